using System.Net;

namespace IpsecFw.Esp.Sa;

/// <summary>
/// Everything needed to create one ESP SA, as IKE negotiates it (RFC 7296 2.17 gives the KEYMAT order). The key
/// material is copied by <see cref="EspSa"/>; the caller should zero its own copy.
/// </summary>
public sealed record EspSaConfig
{
    /// <summary>The SPI, chosen by the receiving side; never 0 (RFC 4303 2.1 reserves 1–255 too).</summary>
    public required uint Spi { get; init; }

    /// <summary>Inbound or outbound.</summary>
    public required EspDirection Direction { get; init; }

    /// <summary>The AEAD transform.</summary>
    public required EspCipher Cipher { get; init; }

    /// <summary>KEYMAT for this SA: the cipher key followed by the 4-byte salt (RFC 4106 8.1, RFC 7634 2).</summary>
    public required ReadOnlyMemory<byte> KeyMaterial { get; init; }

    /// <summary>Tunnel or transport mode.</summary>
    public EspMode Mode { get; init; } = EspMode.Tunnel;

    /// <summary>Extended (64-bit) sequence numbers (RFC 4303 2.2.1).</summary>
    public bool ExtendedSequenceNumbers { get; init; }

    /// <summary>Anti-replay window size in packets for an inbound SA; 0 turns anti-replay off (RFC 4303 3.4.3 allows it).</summary>
    public int ReplayWindowSize { get; init; } = ReplayWindow.DefaultSize;

    /// <summary>Lifetimes.</summary>
    public EspLifetime Lifetime { get; init; } = EspLifetime.Unlimited;

    /// <summary>
    /// Traffic-flow-confidentiality padding on send (RFC 4303 2.7): in tunnel mode, the inner packet is padded with zero
    /// bytes up to this many bytes before ESP padding. 0 turns it off. The receiver strips it by the inner IP length.
    /// </summary>
    public int TfcPadTo { get; init; }

    /// <summary>Tunnel-mode outer source address (ours); needed to build whole outer packets.</summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>Tunnel-mode outer destination address (the peer's).</summary>
    public IPAddress? RemoteAddress { get; init; }

    /// <summary>UDP encapsulation (RFC 3948): the ports, or null for raw ESP (IP protocol 50).</summary>
    public UdpEncapsulationPorts? UdpEncapsulation { get; init; }
}
