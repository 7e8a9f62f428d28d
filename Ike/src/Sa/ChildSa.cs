using System.Net;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Sa;

/// <summary>
/// One negotiated CHILD_SA pair (RFC 7296 1.3): the SPI we receive on and the SPI we send to, the algorithms, the
/// keys for each direction (KEYMAT order of RFC 7296 2.17), and the traffic selectors as this side sees them.
/// The ESP engine gets a copy of the keys when the pair is installed; <see cref="Dispose"/> zeroes these.
/// </summary>
public sealed class ChildSa : IDisposable
{
    internal ChildSa(uint inboundSpi, uint outboundSpi, EspAlgorithms algorithms, ChildSaKeys keys, bool weInitiated,
        IReadOnlyList<TrafficSelector> local, IReadOnlyList<TrafficSelector> remote, DateTimeOffset established)
    {
        InboundSpi = inboundSpi;
        OutboundSpi = outboundSpi;
        Algorithms = algorithms;
        Keys = keys;
        WeInitiatedExchange = weInitiated;
        LocalSelectors = local;
        RemoteSelectors = remote;
        Established = established;
    }

    /// <summary>The SPI the peer sends to (our inbound SA).</summary>
    public uint InboundSpi { get; }

    /// <summary>The SPI we send to (our outbound SA).</summary>
    public uint OutboundSpi { get; }

    /// <summary>The algorithms.</summary>
    public EspAlgorithms Algorithms { get; }

    /// <summary>The keys of both directions.</summary>
    public ChildSaKeys Keys { get; }

    /// <summary>True when this side was the initiator of the exchange that created the pair.</summary>
    public bool WeInitiatedExchange { get; }

    /// <summary>Selectors of this side's traffic.</summary>
    public IReadOnlyList<TrafficSelector> LocalSelectors { get; }

    /// <summary>Selectors of the peer's traffic.</summary>
    public IReadOnlyList<TrafficSelector> RemoteSelectors { get; }

    /// <summary>When the pair was negotiated.</summary>
    public DateTimeOffset Established { get; }

    /// <summary>UDP encapsulation (RFC 3948): the peer's address and port for ESP, and ours.</summary>
    public IPEndPoint? RemoteEndPoint { get; internal set; }

    /// <summary>Our address and port for ESP.</summary>
    public IPEndPoint? LocalEndPoint { get; internal set; }

    /// <summary>True when ESP is carried in UDP.</summary>
    public bool UdpEncapsulated { get; internal set; }

    /// <summary>The pair this one replaces (a rekey, RFC 7296 2.8), until that one is deleted.</summary>
    public ChildSa? Replaces { get; internal set; }

    /// <summary>
    /// Whether outbound traffic uses this pair. A rekey's responder waits until the old pair is deleted, so that the
    /// initiator has the new inbound SA before the first packet arrives on it (make before break).
    /// </summary>
    public bool OutboundActive { get; internal set; } = true;

    /// <summary>When a rekey of this pair was started, if one is under way.</summary>
    public DateTimeOffset? RekeyStarted { get; internal set; }

    /// <summary>Set when this pair has been replaced by a rekey and waits for its DELETE.</summary>
    public bool Superseded { get; internal set; }

    /// <summary>
    /// A pair negotiated for one local program's traffic beside the ordinary ones (per-process keying: the initiator
    /// sent <see cref="Messages.NotifyType.IpsecFwDedicatedChildSa"/>). It is not a route for the peer's selectors: the
    /// host steers chosen flows onto it. A rekey keeps the mark.
    /// </summary>
    public bool Dedicated { get; internal set; }

    /// <summary>The initiator's local label of a <see cref="Dedicated"/> pair (the program's path); null on the responder.</summary>
    public string? Owner { get; internal set; }

    /// <summary>Key material for our outbound SA: encryption key then salt (RFC 4106 8.1).</summary>
    public ReadOnlySpan<byte> OutboundKey => WeInitiatedExchange ? Keys.EncryptionInitiatorToResponder : Keys.EncryptionResponderToInitiator;

    /// <summary>Key material for our inbound SA.</summary>
    public ReadOnlySpan<byte> InboundKey => WeInitiatedExchange ? Keys.EncryptionResponderToInitiator : Keys.EncryptionInitiatorToResponder;

    /// <summary>Zeroes the keys.</summary>
    public void Dispose() => Keys.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"ESP in 0x{InboundSpi:x8} out 0x{OutboundSpi:x8} {Algorithms}";
}
