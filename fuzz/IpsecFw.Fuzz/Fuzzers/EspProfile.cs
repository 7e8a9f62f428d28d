using System.Net;
using IpsecFw.Esp;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>One fixed ESP SA of the fuzz table: SPI, transform, mode, outer addresses and encapsulation.</summary>
internal sealed record EspProfile(uint Spi, EspCipher Cipher, EspMode Mode, bool Udp, bool IPv6, bool Esn)
{
    private static readonly byte[] s_keymat = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fcafebabe");

    public static readonly IPAddress V4Sender = IPAddress.Parse("198.18.0.1");
    public static readonly IPAddress V4Receiver = IPAddress.Parse("198.18.0.2");
    public static readonly IPAddress V6Sender = IPAddress.Parse("2001:2::1");
    public static readonly IPAddress V6Receiver = IPAddress.Parse("2001:2::2");

    /// <summary>
    /// The table: every mode, encapsulation, address family and transform appears. The index is what the fuzz input's
    /// selector byte chooses (see <see cref="EspDecapsulateFuzzer"/>).
    /// </summary>
    public static readonly EspProfile[] All =
    [
        new(0x0000_1001, EspCipher.AesGcm128, EspMode.Tunnel, Udp: false, IPv6: false, Esn: false),
        new(0x0000_1002, EspCipher.AesGcm256, EspMode.Tunnel, Udp: true, IPv6: false, Esn: false),
        new(0x0000_1003, EspCipher.ChaCha20Poly1305, EspMode.Transport, Udp: false, IPv6: false, Esn: false),
        new(0x0000_1004, EspCipher.AesGcm128, EspMode.Transport, Udp: true, IPv6: false, Esn: true),
        new(0x0000_1005, EspCipher.ChaCha20Poly1305, EspMode.Tunnel, Udp: false, IPv6: true, Esn: true),
        new(0x0000_1006, EspCipher.AesGcm256, EspMode.Transport, Udp: false, IPv6: true, Esn: false),
        new(0x0000_1007, EspCipher.AesGcm128, EspMode.Tunnel, Udp: true, IPv6: true, Esn: false),
        new(0x0000_1008, EspCipher.ChaCha20Poly1305, EspMode.Transport, Udp: true, IPv6: true, Esn: false),
    ];

    public IPAddress Sender => IPv6 ? V6Sender : V4Sender;

    public IPAddress Receiver => IPv6 ? V6Receiver : V4Receiver;

    /// <summary>The SA as the sender holds it (outbound) or as the receiver holds it (inbound).</summary>
    public EspSa Create(EspDirection direction)
    {
        int keyLength = EspSa.KeyLength(Cipher);
        byte[] keymat = [.. s_keymat.AsSpan(0, keyLength), .. s_keymat.AsSpan(s_keymat.Length - 4)];
        bool outbound = direction == EspDirection.Outbound;
        return new EspSa(new EspSaConfig
        {
            Spi = Spi,
            Direction = direction,
            Cipher = Cipher,
            KeyMaterial = keymat,
            Mode = Mode,
            ExtendedSequenceNumbers = Esn,
            LocalAddress = outbound ? Sender : Receiver,
            RemoteAddress = outbound ? Receiver : Sender,
            UdpEncapsulation = Udp ? new UdpEncapsulationPorts(4500, 4500) : null,
        });
    }
}
