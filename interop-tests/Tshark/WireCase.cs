using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using IpsecFw.Esp;
using IpsecFw.Esp.Sa;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Tshark;

/// <summary>One outbound SA whose packets go over the veth pair to tshark.</summary>
public sealed record WireCase(EspCipher Cipher, bool Esn, EspMode Mode, AddressFamily Family, bool Udp, int Index)
{
    /// <summary>ESN cases start here, so the six packets carry high word 1 then 2 (low word wraps to 0).</summary>
    public const ulong EsnStart = 0x1_FFFF_FFFDUL;

    /// <summary>The Wireshark 4.0 ESP dissector decrypts AES-GCM (RFC 4106) only; ChaCha20-Poly1305 is dissected, not decrypted.</summary>
    public bool TsharkDecrypts => Cipher != EspCipher.ChaCha20Poly1305;

    /// <summary>A readable, unique name.</summary>
    public string Name =>
        $"{(Cipher switch { EspCipher.AesGcm128 => "aes-gcm-128", EspCipher.AesGcm256 => "aes-gcm-256", _ => "chacha20-poly1305" })}/" +
        $"{(Esn ? "esn" : "seq32")}/" +
        $"{(Mode == EspMode.Tunnel ? $"tunnel-{V}in{V}" : $"transport-v{V}")}/{(Udp ? "udp" : "raw")}";

    /// <summary>The SPI.</summary>
    public uint Spi => 0x0002_0000u + (uint)Index;

    /// <summary>Deterministic KEYMAT (key || salt).</summary>
    public byte[] KeyMaterial => SHA512.HashData(Encoding.UTF8.GetBytes($"wire|{Name}"))[..(EspSa.KeyLength(Cipher) + 4)];

    /// <summary>Outer source (namespace A's side).</summary>
    public IPAddress Local => Family == AddressFamily.InterNetwork ? IPAddress.Parse(VethPair.AddressA) : IPAddress.Parse("2001:2::1");

    /// <summary>Outer destination (namespace B's side).</summary>
    public IPAddress Remote => Family == AddressFamily.InterNetwork ? IPAddress.Parse(VethPair.AddressB) : IPAddress.Parse("2001:2::2");

    /// <summary>Inner source.</summary>
    public IPAddress InnerLocal => Mode == EspMode.Transport ? Local
        : Family == AddressFamily.InterNetwork ? IPAddress.Parse("198.19.1.1") : IPAddress.Parse("2001:2:0:1::1");

    /// <summary>Inner destination.</summary>
    public IPAddress InnerRemote => Mode == EspMode.Transport ? Remote
        : Family == AddressFamily.InterNetwork ? IPAddress.Parse("198.19.2.2") : IPAddress.Parse("2001:2:0:2::2");

    /// <summary>The ESP SA in tshark's UAT syntax (Wireshark 4.0: protocol, src, dst, SPI, encryption, key, authentication, auth key).</summary>
    public string Uat =>
        $"uat:esp_sa:\"{(Family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")}\",\"{Local}\",\"{Remote}\",\"0x{Spi:x8}\"," +
        $"\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x{Convert.ToHexStringLower(KeyMaterial)}\",\"NULL\",\"\"";

    /// <summary>The outbound SA configuration.</summary>
    public EspSaConfig Config => new()
    {
        Spi = Spi,
        Direction = EspDirection.Outbound,
        Cipher = Cipher,
        KeyMaterial = KeyMaterial,
        Mode = Mode,
        ExtendedSequenceNumbers = Esn,
        LocalAddress = Local,
        RemoteAddress = Remote,
        UdpEncapsulation = Udp ? new UdpEncapsulationPorts(4500, 4500) : null,
    };

    private int V => Family == AddressFamily.InterNetwork ? 4 : 6;

    /// <summary>The cases: AES-GCM-128/256 × (tunnel 4in4, tunnel 6in6, transport v4) × raw/UDP, AES-GCM-128 with ESN raw/UDP, one ChaCha20-Poly1305.</summary>
    public static IReadOnlyList<WireCase> All { get; } = Build();

    private static List<WireCase> Build()
    {
        var list = new List<WireCase>();
        foreach (EspCipher cipher in new[] { EspCipher.AesGcm128, EspCipher.AesGcm256 })
        {
            foreach (var (mode, family) in new[] { (EspMode.Tunnel, AddressFamily.InterNetwork), (EspMode.Tunnel, AddressFamily.InterNetworkV6), (EspMode.Transport, AddressFamily.InterNetwork) })
            {
                foreach (bool udp in new[] { false, true })
                {
                    list.Add(new WireCase(cipher, false, mode, family, udp, list.Count));
                }
            }
        }

        list.Add(new WireCase(EspCipher.AesGcm128, true, EspMode.Tunnel, AddressFamily.InterNetwork, false, list.Count));
        list.Add(new WireCase(EspCipher.AesGcm128, true, EspMode.Tunnel, AddressFamily.InterNetwork, true, list.Count));
        list.Add(new WireCase(EspCipher.ChaCha20Poly1305, false, EspMode.Tunnel, AddressFamily.InterNetwork, false, list.Count));
        return list;
    }
}

/// <summary>One frame we put on the wire.</summary>
/// <param name="Case">Its SA.</param>
/// <param name="Clear">The clear packet.</param>
/// <param name="Packet">The ESP packet (IP and up).</param>
/// <param name="Sequence">The full sequence number.</param>
public sealed record WireFrame(WireCase Case, ClearPacket Clear, byte[] Packet, ulong Sequence);
