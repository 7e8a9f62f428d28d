using System.Net;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>One side of an in-process IKE conversation: captures what the SA sends, counts what it reports.</summary>
internal sealed class LoopbackHost(FakeTimeProvider time, int seed, uint spiBase) : IIkeSaHost
{
    private readonly Random _random = new(seed);
    private uint _nextSpi = spiBase;

    public TimeProvider Time => time;

    public Queue<(byte[] Message, IPEndPoint Local, IPEndPoint Remote)> Outbox { get; } = new();

    public List<ChildSa> Up { get; } = [];

    public List<ChildSa> Down { get; } = [];

    public List<uint> Released { get; } = [];

    public int Established { get; private set; }

    public string? ClosedReason { get; private set; }

    public Func<PeerIdentity, string?> Admission { get; set; } = _ => null;

    public Func<IReadOnlyList<TrafficSelector>, IReadOnlyList<TrafficSelector>, (IReadOnlyList<TrafficSelector>, IReadOnlyList<TrafficSelector>)?> Narrow { get; set; } =
        (i, r) => (i, r);

    /// <summary>The responder's choice of configuration by IDi; null keeps the SA's own.</summary>
    public Func<IkeSa, IdPayload, IkeSaConfig?>? ChooseConfig { get; set; }

    public IkeSaConfig? ChooseResponderConfig(IkeSa sa, IdPayload initiatorId) => ChooseConfig is null ? sa.Config : ChooseConfig(sa, initiatorId);

    public void FillRandom(Span<byte> destination) => _random.NextBytes(destination);

    public void Send(IkeSa sa, byte[] message, IPEndPoint local, IPEndPoint remote) => Outbox.Enqueue((message, local, remote));

    public uint AllocateChildSpi() => _nextSpi++;

    public void ReleaseChildSpi(uint spi) => Released.Add(spi);

    public bool AdmitPeer(IkeSa sa, PeerIdentity peer, out string reason)
    {
        reason = Admission(peer) ?? string.Empty;
        return reason.Length == 0;
    }

    public bool TryNarrow(IkeSa sa, IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
        out IReadOnlyList<TrafficSelector> narrowedTsi, out IReadOnlyList<TrafficSelector> narrowedTsr)
    {
        var result = Narrow(tsi, tsr);
        narrowedTsi = result?.Item1 ?? [];
        narrowedTsr = result?.Item2 ?? [];
        return result is not null;
    }

    public void OnEstablished(IkeSa sa) => Established++;

    public void OnChildSaUp(IkeSa sa, ChildSa child) => Up.Add(child);

    public void OnChildSaDown(IkeSa sa, ChildSa child) => Down.Add(child);

    public List<ChildSa> Activated { get; } = [];

    public List<IkeSa> Rekeyed { get; } = [];

    public void OnChildSaOutboundActive(IkeSa sa, ChildSa child) => Activated.Add(child);

    public void OnRekeyed(IkeSa old, IkeSa replacement) => Rekeyed.Add(replacement);

    public void OnClosed(IkeSa sa, string reason) => ClosedReason = reason;
}
