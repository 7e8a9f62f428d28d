#!/usr/bin/env python3
"""Extracts the IKEv2 datagrams of tcpdump's test captures as IkeMessageDecode seeds (run once; the .bin files are
committed). Usage: extract-ike-seeds.py OUT_DIR CAPTURE.pcap...  Classic pcap, BSD loopback / Ethernet / Linux SLL,
IPv4, UDP to or from 500 or 4500 (non-ESP marker removed; ESP and keep-alives skipped); IKE major version 2 only."""
import os
import struct
import sys


def datagrams(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    link = struct.unpack(endian + "I", data[20:24])[0]
    offset, frame = 24, 0
    while offset + 16 <= len(data):
        frame += 1
        captured, original = struct.unpack(endian + "II", data[offset + 8:offset + 16])
        packet = data[offset + 16:offset + 16 + captured]
        offset += 16 + captured
        if captured != original:
            continue
        if link == 0:
            ip = packet[4:]
        elif link == 1:
            ip = packet[14:] if packet[12:14] == b"\x08\x00" else b""
        elif link == 113:
            ip = packet[16:] if packet[14:16] == b"\x08\x00" else b""
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        udp = ip[ihl:total]
        if len(udp) < 8:
            continue
        sport, dport, length = struct.unpack(">HHH", udp[:6])
        payload = udp[8:length]
        if 4500 in (sport, dport):
            if len(payload) < 4 or payload[:4] != b"\0\0\0\0":
                continue
            payload = payload[4:]
        elif 500 not in (sport, dport):
            continue
        if len(payload) >= 28 and payload[17] >> 4 == 2:
            yield frame, payload


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        base = os.path.splitext(os.path.basename(path))[0]
        for frame, payload in datagrams(path):
            with open(os.path.join(out, f"{base}-frame{frame:02d}.bin"), "wb") as f:
                f.write(payload)


if __name__ == "__main__":
    main()
