#!/usr/bin/python3
"""ESP interop vectors between IpsecFw and Scapy (scapy.layers.ipsec) plus python-cryptography's AEAD primitives.

Usage: /usr/bin/python3 esp_vectors.py JOB.json RESULT.json

One run handles the whole matrix. For every scenario of the job it
  (a) builds clear packets with Scapy and encrypts them with Scapy's SecurityAssociation (the SA from Scapy to us),
      writing the clear bytes and the wire bytes, and
  (b) decrypts the packets our engine encrypted (the SA from us to Scapy) twice: with Scapy's
      SecurityAssociation.decrypt, and independently at the ESP level with cryptography's AESGCM / ChaCha20Poly1305
      (nonce = salt || IV, AAD = SPI || seq or SPI || seq_hi || seq_lo, RFC 4106 5 / RFC 7634 2.1 / RFC 4303 2.2.1),
      which also checks the RFC 4303 2.4 padding bytes 1, 2, 3, ... that Scapy does not look at.

Known Scapy 2.5.0 defects this script works around, each reported per packet in "fixups"/"scapy_path":
  * nat_t_header with an IPv4 packet leaves the UDP Length field at 8 (the header alone): the script sets it to the
    real length (RFC 768), because the IPv4 header is serialised before the ESP payload is attached.
  * SecurityAssociation.decrypt of a transport-mode IPv6 packet with UDP encapsulation sets "nh" on the UDP layer and
    keeps the UDP header, so the script first does what RFC 3948 3.3 tells a receiver to do (remove the UDP header,
    set the preceding Next Header to 50) and hands Scapy the plain ESP packet.
  * nat_t_header on an IPv6 packet with extension headers leaves the last extension header's Next Header at 50 in
    front of the UDP header (a malformed packet); the job therefore never asks for that combination.
"""
import json
import struct
import sys
import warnings

warnings.filterwarnings("ignore")

import scapy  # noqa: E402
from scapy.compat import raw  # noqa: E402
from scapy.layers.inet import IP, UDP, ICMP  # noqa: E402
from scapy.layers.inet6 import IPv6, ICMPv6EchoRequest, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt  # noqa: E402
from scapy.layers.ipsec import SecurityAssociation, ESP, CRYPT_ALGOS  # noqa: E402
from scapy.packet import Raw  # noqa: E402
import cryptography  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305  # noqa: E402
from cryptography.exceptions import InvalidTag  # noqa: E402

NAT_T_PORT = 4500


def payload_bytes(index, size):
    """Scapy-side payload pattern (differs from the one our side uses)."""
    return bytes(((i * 7) + 3 * index + 0x30) & 0xFF for i in range(size))


def build_clear(family, kind, size, index, src, dst):
    """A clear packet as Scapy builds it, frozen (checksums and lengths computed) by a serialise/parse round trip."""
    data = payload_bytes(index, size)
    if family == 4:
        ip = IP(src=src, dst=dst, tos=0x10, flags="DF", ttl=55, id=0x0100 + index)
        if kind == "icmp":
            pkt = ip / ICMP(type=8, id=0x5353, seq=index + 1) / Raw(data)
        elif kind == "udp":
            pkt = ip / UDP(sport=33000 + index, dport=7) / Raw(data)
        else:
            raise ValueError("kind %r is not IPv4" % kind)
        return IP(raw(pkt))
    ip6 = IPv6(src=src, dst=dst, tc=0x20, fl=0xABC + index, hlim=55)
    if kind == "icmp":
        pkt = ip6 / ICMPv6EchoRequest(id=0x5353, seq=index + 1, data=data)
    elif kind == "udp":
        pkt = ip6 / UDP(sport=33000 + index, dport=7) / Raw(data)
    elif kind == "udp_hop_by_hop":
        pkt = ip6 / IPv6ExtHdrHopByHop() / UDP(sport=33000 + index, dport=7) / Raw(data)
    elif kind == "icmp_dest_opt":
        pkt = ip6 / IPv6ExtHdrDestOpt() / ICMPv6EchoRequest(id=0x5353, seq=index + 1, data=data)
    else:
        raise ValueError("unknown kind %r" % kind)
    return IPv6(raw(pkt))


def ip_class(family):
    return IP if family == 4 else IPv6


def make_sa(sc, spi, keymat, tunnel_src, tunnel_dst, natt):
    tunnel = None
    if sc["mode"] == "tunnel":
        tunnel = ip_class(sc["outer_family"])(src=tunnel_src, dst=tunnel_dst)
    return SecurityAssociation(
        ESP, spi=spi, crypt_algo=sc["algo"], crypt_key=bytes.fromhex(keymat), auth_algo="NULL",
        tunnel_header=tunnel,
        nat_t_header=UDP(sport=NAT_T_PORT, dport=NAT_T_PORT) if natt else None,
        esn_en=sc["esn"], esn=0)


def fix_ipv4_udp_length(wire, fixups):
    """Scapy 2.5.0 writes UDP Length 8 under nat_t_header for IPv4; set it from the IPv4 Total Length."""
    b = bytearray(wire)
    if b[0] >> 4 != 4 or b[9] != 17:
        return bytes(b)
    ihl = (b[0] & 0x0F) * 4
    total = struct.unpack_from("!H", b, 2)[0]
    want = total - ihl
    have = struct.unpack_from("!H", b, ihl + 4)[0]
    if have != want:
        struct.pack_into("!H", b, ihl + 4, want)
        fixups.append("udp-length %d->%d (scapy nat_t_header on IPv4)" % (have, want))
    return bytes(b)


def scapy_encrypt(sc):
    """Direction (a): Scapy builds and encrypts; returns clear and wire bytes per packet."""
    out = []
    sa = make_sa(sc, sc["scapy_spi"], sc["scapy_keymat"], sc["remote"], sc["local"], sc["udp"])
    for spec in sc["scapy_packets"]:
        entry = {}
        try:
            clear = build_clear(sc["inner_family"], spec["kind"], spec["size"], spec["index"],
                                sc["inner_remote"], sc["inner_local"])
            seq = spec["seq"]
            # Scapy takes "seq_num or self.seq_num" and "esn or self.esn", so 0 must go through the SA fields.
            sa.seq_num = seq & 0xFFFFFFFF
            sa.esn = seq >> 32
            enc = sa.encrypt(clear, iv=bytes.fromhex(spec["iv"]))
            fixups = []
            as_built = raw(enc)
            wire = as_built
            if sc["udp"] and sc["outer_family"] == 4:
                wire = fix_ipv4_udp_length(wire, fixups)
            entry = {"clear": raw(clear).hex(), "wire": wire.hex(), "fixups": fixups}
            if wire != as_built:
                entry["wire_as_built"] = as_built.hex()
        except Exception as ex:  # reported per packet; the C# side fails the test with it
            entry = {"error": "%s: %s" % (type(ex).__name__, ex)}
        out.append(entry)
    return out


def find_esp(pkt):
    esp = pkt.getlayer(ESP)
    if esp is None:
        raise ValueError("no ESP layer in %s" % pkt.summary())
    return esp


def outer_checks(wire, family):
    """The outer header of one of our packets: lengths and (IPv4) header checksum, recomputed by Scapy."""
    problems = []
    if family == 4:
        pkt = IP(wire)
        if pkt.len != len(wire):
            problems.append("IPv4 Total Length %d but the packet has %d bytes" % (pkt.len, len(wire)))
        copy = pkt.copy()
        copy.chksum = None
        want = IP(raw(copy)).chksum
        if pkt.chksum != want:
            problems.append("IPv4 header checksum 0x%04x, expected 0x%04x" % (pkt.chksum, want))
        if pkt.flags.MF or pkt.frag:
            problems.append("outer IPv4 header says fragment")
    else:
        pkt = IPv6(wire)
        if pkt.plen != len(wire) - 40:
            problems.append("IPv6 Payload Length %d but %d bytes follow the header" % (pkt.plen, len(wire) - 40))
    return problems


def udp_checks(pkt, family):
    """RFC 3948 2.1 header checks for a UDP-encapsulated packet of ours; returns a list of problems."""
    problems = []
    udp = pkt.getlayer(UDP)
    if udp is None:
        return ["no UDP header"]
    if udp.sport != NAT_T_PORT or udp.dport != NAT_T_PORT:
        problems.append("ports %d->%d, expected 4500->4500" % (udp.sport, udp.dport))
    udp_raw = raw(udp)
    if udp.len != len(udp_raw):
        problems.append("UDP length %d but %d bytes follow" % (udp.len, len(udp_raw)))
    if family == 4:
        if udp.chksum != 0:
            # RFC 3948 2.1 says SHOULD be zero for IPv4; a correct non-zero one is allowed, so only verify it.
            copy = pkt.copy()
            copy[UDP].chksum = None
            if IP(raw(copy))[UDP].chksum != udp.chksum:
                problems.append("IPv4 UDP checksum 0x%04x is wrong" % udp.chksum)
    else:
        copy = pkt.copy()
        copy[UDP].chksum = None
        want = IPv6(raw(copy))[UDP].chksum
        if udp.chksum != want:
            problems.append("IPv6 UDP checksum 0x%04x, expected 0x%04x (RFC 8200 8.1)" % (udp.chksum, want))
    return problems


def strip_udp_encapsulation(wire):
    """RFC 3948 3.3 for an IPv6 packet: remove the UDP header, name ESP (50) in the header before it, fix the length."""
    pkt = IPv6(wire)
    udp = pkt.getlayer(UDP)
    udp_offset = len(wire) - len(raw(udp))
    under = udp.underlayer
    nh_offset = 6 if under is pkt else len(wire) - len(raw(under))
    b = bytearray(wire[:udp_offset] + wire[udp_offset + 8:])
    b[nh_offset] = 50
    struct.pack_into("!H", b, 4, len(b) - 40)
    return IPv6(bytes(b))


def aead_open(sc, esp, seq):
    """Independent ESP-level decryption with cryptography's AEAD primitive; returns a dict of findings."""
    keymat = bytes.fromhex(sc["our_keymat"])
    key, salt = keymat[:-4], keymat[-4:]
    data = bytes(esp.data)
    iv, ct = data[:8], data[8:]
    if sc["algo"] == "AES-GCM":
        aead = AESGCM(key)
    else:
        aead = ChaCha20Poly1305(key)
    if sc["esn"]:
        aad = struct.pack("!III", esp.spi, seq >> 32, seq & 0xFFFFFFFF)
    else:
        aad = struct.pack("!II", esp.spi, esp.seq)
    try:
        plain = aead.decrypt(salt + iv, ct, aad)
    except InvalidTag:
        return {"aead_error": "ICV check failed (InvalidTag) with nonce salt||IV and AAD %s" % aad.hex()}
    pad_length = plain[-2]
    next_header = plain[-1]
    body = plain[:-2]
    if pad_length > len(body):
        return {"aead_error": "pad length %d exceeds the %d decrypted bytes" % (pad_length, len(body))}
    payload = body[:len(body) - pad_length]
    padding = body[len(body) - pad_length:]
    return {
        "aead_payload": payload.hex(),
        "aead_next_header": next_header,
        "aead_pad_length": pad_length,
        "aead_pad_ok": padding == bytes(range(1, pad_length + 1)),
        "aead_encrypted_length": len(ct) - 16,
    }


def scapy_decrypt(sc):
    """Direction (b): Scapy (and cryptography) decrypt the packets our engine encrypted."""
    out = []
    cls = ip_class(sc["outer_family"])
    sa = make_sa(sc, sc["our_spi"], sc["our_keymat"], sc["local"], sc["remote"], False)
    for ours in sc["our_packets"]:
        entry = {}
        try:
            pkt = cls(bytes.fromhex(ours["wire"]))
            esp = find_esp(pkt)
            seq = ours["seq"]
            entry.update({"spi": esp.spi, "seq_low": esp.seq, "iv": bytes(esp.data[:8]).hex()})
            entry["outer_problems"] = outer_checks(bytes.fromhex(ours["wire"]), sc["outer_family"])
            if sc["udp"]:
                entry["udp_problems"] = udp_checks(pkt, sc["outer_family"])
            entry.update(aead_open(sc, esp, seq))
            sa.esn = seq >> 32
            target = cls(bytes.fromhex(ours["wire"]))
            path = "SecurityAssociation.decrypt"
            if sc["udp"] and sc["mode"] == "transport" and sc["outer_family"] == 6:
                target = strip_udp_encapsulation(bytes.fromhex(ours["wire"]))
                path = "RFC 3948 3.3 UDP strip, then SecurityAssociation.decrypt"
            entry["scapy_path"] = path
            try:
                entry["scapy_clear"] = raw(sa.decrypt(target)).hex()
            except Exception as ex:
                entry["scapy_error"] = "%s: %s" % (type(ex).__name__, ex)
        except Exception as ex:
            entry["error"] = "%s: %s" % (type(ex).__name__, ex)
        out.append(entry)
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    result = {
        "scapy_version": scapy.VERSION,
        "cryptography_version": cryptography.__version__,
        "crypt_algos": sorted(CRYPT_ALGOS),
        "scenarios": [],
    }
    for sc in job["scenarios"]:
        result["scenarios"].append({
            "name": sc["name"],
            "scapy_packets": scapy_encrypt(sc),
            "our_packets": scapy_decrypt(sc),
        })
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
