#!/usr/bin/python3
"""Sends Ethernet frames (one hex string per line of FRAMES) out of INTERFACE through an AF_PACKET socket.

Usage: /usr/bin/python3 send_frames.py INTERFACE FRAMES

Run it inside the test's own network namespace (ip netns exec ...): the frames go onto that namespace's veth only.
The frames are exactly the bytes given (our engine's IP packets behind an Ethernet header); nothing is resolved,
routed or answered. Standard library only.
"""
import socket
import sys
import time


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    interface, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="ascii") as f:
        frames = [bytes.fromhex(line.strip()) for line in f if line.strip()]
    sent = 0
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
        s.bind((interface, 0))
        for frame in frames:
            if s.send(frame) != len(frame):
                print("short send", file=sys.stderr)
                return 1
            sent += 1
            time.sleep(0.002)  # keep the order obvious and the capture buffer relaxed
    print("sent %d frames" % sent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
