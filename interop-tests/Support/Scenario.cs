using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using IpsecFw.Esp;
using IpsecFw.Esp.Sa;

namespace IpsecFw.InteropTests.Support;

/// <summary>
/// One cell of the interop matrix: a pair of SAs (Scapy to us, us to Scapy) with the same transform, mode, address
/// families and encapsulation. Addresses come only from 198.18.0.0/15 and 2001:2::/48 (RFC 2544 / RFC 5180).
/// </summary>
public sealed record Scenario(EspCipher Cipher, bool Esn, EspMode Mode, AddressFamily Outer, AddressFamily Inner, bool Udp, int TfcPadTo = 0)
{
    /// <summary>Outbound ESN SAs start here, so their ten packets cross from high word 1 to 2 (low word wraps).</summary>
    public const ulong EsnOutboundStart = 0x1_FFFF_FFFAUL;

    /// <summary>A stable, readable name, e.g. <c>aes-gcm-256/esn/tunnel-6in4/udp</c>.</summary>
    public string Name
    {
        get
        {
            string cipher = Cipher switch
            {
                EspCipher.AesGcm128 => "aes-gcm-128",
                EspCipher.AesGcm256 => "aes-gcm-256",
                _ => "chacha20-poly1305",
            };
            string layout = Mode == EspMode.Tunnel
                ? $"tunnel-{Family(Inner)}in{Family(Outer)}"
                : $"transport-v{Family(Outer)}";
            string tfc = TfcPadTo > 0 ? $"/tfc{TfcPadTo}" : "";
            return $"{cipher}/{(Esn ? "esn" : "seq32")}/{layout}/{(Udp ? "udp" : "raw")}{tfc}";
        }
    }

    /// <summary>The algorithm name Scapy's CRYPT_ALGOS uses.</summary>
    public string ScapyAlgo => Cipher == EspCipher.ChaCha20Poly1305 ? "CHACHA20-POLY1305" : "AES-GCM";

    /// <summary>Our outer address.</summary>
    public IPAddress Local => Outer == AddressFamily.InterNetwork ? IPAddress.Parse("198.18.0.1") : IPAddress.Parse("2001:2::1");

    /// <summary>The peer's (Scapy's) outer address.</summary>
    public IPAddress Remote => Outer == AddressFamily.InterNetwork ? IPAddress.Parse("198.18.0.2") : IPAddress.Parse("2001:2::2");

    /// <summary>Our inner address (the outer one in transport mode).</summary>
    public IPAddress InnerLocal => Mode == EspMode.Transport ? Local
        : Inner == AddressFamily.InterNetwork ? IPAddress.Parse("198.19.1.1") : IPAddress.Parse("2001:2:0:1::1");

    /// <summary>The peer's inner address.</summary>
    public IPAddress InnerRemote => Mode == EspMode.Transport ? Remote
        : Inner == AddressFamily.InterNetwork ? IPAddress.Parse("198.19.2.2") : IPAddress.Parse("2001:2:0:2::2");

    /// <summary>A unique SPI per scenario and direction, above the reserved 1-255.</summary>
    public uint Spi(int index, bool scapyToUs) => 0x0001_0000u + ((uint)index * 2) + (scapyToUs ? 0u : 1u);

    /// <summary>Deterministic KEYMAT (key and 4-byte salt) per scenario and direction, so a failure reproduces.</summary>
    public byte[] KeyMaterial(bool scapyToUs)
    {
        int length = EspSa.KeyLength(Cipher) + 4;
        return SHA512.HashData(Encoding.UTF8.GetBytes($"{Name}|{(scapyToUs ? "in" : "out")}"))[..length];
    }

    /// <summary>The clear packets of this scenario: ICMP and UDP with payloads from 0 to 1400 bytes (all four pad lengths).</summary>
    public IReadOnlyList<(PacketKind Kind, int Size)> Packets(bool forScapy)
    {
        int[] sizes = [0, 1, 2, 3, 4, 17, 64, 255, 1000, 1400];
        PacketKind[] kinds = Inner == AddressFamily.InterNetwork
            ? [PacketKind.Icmp, PacketKind.Udp]
            : [PacketKind.Icmp, PacketKind.Udp, PacketKind.UdpHopByHop, PacketKind.IcmpDestOpt];

        // Scapy 2.5.0 cannot build transport-mode IPv6 with extension headers under nat_t_header (it leaves Next
        // Header 50 in front of the UDP header), so Scapy's side of that cell uses plain packets only.
        if (forScapy && Udp && Mode == EspMode.Transport && Inner == AddressFamily.InterNetworkV6)
        {
            kinds = [PacketKind.Icmp, PacketKind.Udp];
        }

        return [.. sizes.Select((size, i) => (kinds[i % kinds.Length], size))];
    }

    /// <summary>
    /// The sequence numbers Scapy uses towards us. Without ESN: 1 to 10. With ESN: 2^31 (accepted by a fresh window),
    /// then up to 2^32 − 1, across the 32-bit boundary to 2^32 (low word 0) and on to 2^32 + 2^31, so our receiver must
    /// infer the high word (RFC 4303 Appendix A) for every packet after the wrap.
    /// </summary>
    public ulong[] ScapySequenceNumbers() => Esn
        ? [0x8000_0000UL, 0xFFFF_FFFEUL, 0xFFFF_FFFFUL, 0x1_0000_0000UL, 0x1_0000_0001UL, 0x1_0000_0002UL, 0x1_0000_0003UL, 0x1_0000_0004UL, 0x1_7FFF_FFFFUL, 0x1_8000_0000UL]
        : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    /// <summary>An explicit 8-byte IV for Scapy's packet <paramref name="index"/>: pseudo-random, never the sequence number.</summary>
    public byte[] ScapyIv(int index) => SHA256.HashData(Encoding.UTF8.GetBytes($"{Name}|iv|{index}"))[..8];

    private static int Family(AddressFamily family) => family == AddressFamily.InterNetwork ? 4 : 6;
}

/// <summary>The interop matrix.</summary>
public static class Matrix
{
    /// <summary>Every cipher × ESN on/off × 4 tunnel layouts and 2 transport layouts × raw/UDP, plus TFC cells.</summary>
    public static IReadOnlyList<Scenario> All { get; } = Build();

    /// <summary>Looks a scenario up by its name.</summary>
    public static Scenario ByName(string name) => All.Single(s => s.Name == name);

    /// <summary>The index of a scenario (for its SPIs).</summary>
    public static int IndexOf(Scenario scenario) => All.ToList().IndexOf(scenario);

    private static List<Scenario> Build()
    {
        const AddressFamily V4 = AddressFamily.InterNetwork;
        const AddressFamily V6 = AddressFamily.InterNetworkV6;
        (EspMode Mode, AddressFamily Outer, AddressFamily Inner)[] layouts =
        [
            (EspMode.Tunnel, V4, V4),
            (EspMode.Tunnel, V6, V6),
            (EspMode.Tunnel, V4, V6),
            (EspMode.Tunnel, V6, V4),
            (EspMode.Transport, V4, V4),
            (EspMode.Transport, V6, V6),
        ];
        var list = new List<Scenario>();
        foreach (EspCipher cipher in new[] { EspCipher.AesGcm128, EspCipher.AesGcm256, EspCipher.ChaCha20Poly1305 })
        {
            foreach (bool esn in new[] { false, true })
            {
                foreach (var (mode, outer, inner) in layouts)
                {
                    foreach (bool udp in new[] { false, true })
                    {
                        list.Add(new Scenario(cipher, esn, mode, outer, inner, udp));
                    }
                }
            }
        }

        // RFC 4303 2.7 TFC padding on our side (Scapy sees zero bytes behind the inner packet).
        list.Add(new Scenario(EspCipher.AesGcm128, false, EspMode.Tunnel, V4, V4, false, TfcPadTo: 300));
        list.Add(new Scenario(EspCipher.ChaCha20Poly1305, true, EspMode.Tunnel, V6, V6, true, TfcPadTo: 300));
        return list;
    }
}
