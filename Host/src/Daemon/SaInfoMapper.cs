using System.Globalization;
using IpsecFw.Esp;
using IpsecFw.Esp.Sa;
using IpsecFw.Host.Control;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Copies an engine's <see cref="IkeSa"/> into the control socket's <see cref="IkeSaInfo"/>: names, addresses, state,
/// SPIs in hex, algorithms in proposal syntax, and per CHILD_SA the traffic counters of its two ESP SAs, looked up by
/// SPI in the data path's <see cref="EspSaTable"/>. Call it on the IKE loop (the SA is the loop's); the table may be
/// read from any thread.
/// </summary>
public static class SaInfoMapper
{
    /// <summary>The DTO of one IKE SA.</summary>
    public static IkeSaInfo Map(IkeSa sa, EspSaTable table)
    {
        ArgumentNullException.ThrowIfNull(sa);
        ArgumentNullException.ThrowIfNull(table);
        return new IkeSaInfo
        {
            PeerName = sa.Config.Name,
            PeerIdentity = sa.PeerIdentity is null ? null : PeerNames.Describe(sa.PeerIdentity),
            PeerAddress = sa.RemoteEndPoint.ToString(),
            LocalAddress = sa.LocalEndPoint.ToString(),
            State = State(sa.State),
            Initiator = sa.Role == IkeRole.Initiator,
            InitiatorSpi = sa.InitiatorSpi.ToString("x16", CultureInfo.InvariantCulture),
            ResponderSpi = sa.ResponderSpi.ToString("x16", CultureInfo.InvariantCulture),
            Algorithms = sa.Algorithms is { } alg ? IkeAlgorithmsText(alg) : null,
            NatTraversal = sa.UdpEncapsulation,
            EstablishedAt = sa.EstablishedAt,
            RekeyAt = sa.EstablishedAt is { } at && sa.Config.IkeRekeyAfter > TimeSpan.Zero ? at + sa.Config.IkeRekeyAfter : null,
            VirtualAddresses = [.. sa.VirtualIps.Select(a => a.ToString())],
            Dns = [.. sa.DnsServers.Select(a => a.ToString())],
            LeasedAddress = sa.LeasedAddress?.ToString(),
            LeasedAddresses = [.. sa.LeasedAddresses.Select(a => a.ToString())],
            Children = [.. sa.Children.Select(c => Map(c, table))],
        };
    }

    /// <summary>The DTO of one CHILD_SA, with the counters of its ESP SAs.</summary>
    public static ChildSaInfo Map(ChildSa child, EspSaTable table)
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(table);
        table.TryGetInbound(child.InboundSpi, out EspSa? inbound);
        table.TryGetOutbound(child.OutboundSpi, out EspSa? outbound);
        var drops = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (EspStatus reason in Enum.GetValues<EspStatus>())
        {
            long n = reason == EspStatus.Ok ? 0 : (inbound?.GetDropCount(reason) ?? 0) + (outbound?.GetDropCount(reason) ?? 0);
            if (n != 0)
            {
                drops[EspSaTable.ReasonTag(reason)] = n;
            }
        }

        return new ChildSaInfo
        {
            State = child.Superseded ? "rekeyed" : child.RekeyStarted is not null ? "rekeying" : inbound is null ? "installing" : "installed",
            Algorithms = EspAlgorithmsText(child.Algorithms),
            InboundSpi = child.InboundSpi.ToString("x8", CultureInfo.InvariantCulture),
            OutboundSpi = child.OutboundSpi.ToString("x8", CultureInfo.InvariantCulture),
            LocalSelectors = Selectors(child.LocalSelectors),
            RemoteSelectors = Selectors(child.RemoteSelectors),
            BytesIn = inbound?.Bytes ?? 0,
            PacketsIn = inbound?.Packets ?? 0,
            BytesOut = outbound?.Bytes ?? 0,
            PacketsOut = outbound?.Packets ?? 0,
            Drops = drops,
            EstablishedAt = child.Established,
        };
    }

    /// <summary>The state word of <c>ipsecfw sas</c>.</summary>
    public static string State(IkeSaState state) => state switch
    {
        IkeSaState.Established => "established",
        IkeSaState.Rekeyed => "rekeyed",
        IkeSaState.Deleting => "deleting",
        IkeSaState.Closed => "closed",
        _ => "connecting",
    };

    /// <summary>IKE algorithms in proposal syntax: <c>aes256gcm16-prfsha384-x25519</c>.</summary>
    public static string IkeAlgorithmsText(IkeAlgorithms algorithms)
    {
        ArgumentNullException.ThrowIfNull(algorithms);
        string prf = algorithms.Prf.Algorithm switch
        {
            PrfAlgorithm.HmacSha256 => "prfsha256",
            PrfAlgorithm.HmacSha384 => "prfsha384",
            PrfAlgorithm.HmacSha512 => "prfsha512",
            PrfAlgorithm other => "prf" + other.ToString().ToLowerInvariant(),
        };
        return $"{algorithms.Cipher.Name}-{prf}-{Group(algorithms.Group)}";
    }

    /// <summary>ESP algorithms in proposal syntax: <c>aes256gcm16-esn</c>, with the PFS group when one was negotiated.</summary>
    public static string EspAlgorithmsText(EspAlgorithms algorithms)
    {
        ArgumentNullException.ThrowIfNull(algorithms);
        string cipher = algorithms.Cipher switch
        {
            EspCipher.AesGcm128 => "aes128gcm16",
            EspCipher.AesGcm256 => "aes256gcm16",
            EspCipher.ChaCha20Poly1305 => "chacha20poly1305",
            EspCipher other => other.ToString().ToLowerInvariant(),
        };
        string pfs = algorithms.PfsGroup == KeyExchangeMethod.None ? string.Empty : "-" + Group(algorithms.PfsGroup);
        return cipher + pfs + (algorithms.ExtendedSequenceNumbers ? "-esn" : string.Empty);
    }

    /// <summary>A key exchange method's keyword (<c>x25519</c>, <c>ecp256</c>, <c>modp2048</c>).</summary>
    public static string Group(KeyExchangeMethod group) => group switch
    {
        KeyExchangeMethod.Curve25519 => "x25519",
        KeyExchangeMethod.Curve448 => "x448",
        _ => group.ToString().ToLowerInvariant(),
    };

    private static string[] Selectors(IReadOnlyList<TrafficSelector> selectors) =>
        [.. selectors.SelectMany(TrafficSelectorPrefixes.ToNetworks).Select(n => n.ToString())];
}
