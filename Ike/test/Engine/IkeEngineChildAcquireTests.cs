using System.Net;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Ike.Tests.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Tests.Engine;

/// <summary>
/// Acquires for a CHILD_SA on an established IKE SA (RFC 7296 1.3.1): after the peer deleted the pair, an acquire
/// creates a new one with CREATE_CHILD_SA on the same IKE SA, never two at once; a refusal is reported and the IKE SA
/// stays. Two engines joined in process.
/// </summary>
public sealed class IkeEngineChildAcquireTests
{
    private static readonly IPAddress Left = IPAddress.Parse("198.18.0.1"), Right = IPAddress.Parse("198.18.0.2");

    [Fact]
    public async Task After_the_peer_deletes_the_child_an_acquire_creates_a_new_one_on_the_same_ike_sa_once()
    {
        var link = new EngineLink();
        var sinkL = new CountingSink();
        var sinkR = new CountingSink();
        using var left = new IkeEngine(link.TransportFor(Left), new ConfiguredSelectorPolicy(), sinkL, null);
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), sinkR, IkePair.Config("right.example.com", "k"));
        link.Own(Left, left);
        link.Own(Right, right);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task loops = Task.WhenAll(left.RunAsync(stop.Token), right.RunAsync(stop.Token));

        // No IKE SA yet: the caller has to initiate.
        Assert.Equal(ChildSaAcquire.NoIkeSa, (await left.AcquireChildAsync("left.example.com")).Result);
        IkeSa sa = await left.InitiateAsync(IkePair.Config("left.example.com", "k"), new IPEndPoint(Left, 500), new IPEndPoint(Right, 500));
        Assert.True(await Until(() => left.InvokeAsync(() => sa.State == IkeSaState.Established && sa.Children.Count == 1)));
        uint firstSpi = await left.InvokeAsync(() => sa.Children[0].InboundSpi);

        // With the pair up, an acquire (a packet that raced the installation) needs nothing new.
        (ChildSaAcquire installed, ulong spi) = await left.AcquireChildAsync("left.example.com");
        Assert.Equal(ChildSaAcquire.Installed, installed);
        Assert.Equal(sa.LocalSpi, spi);

        // The peer deletes the pair (INFORMATIONAL DELETE); the IKE SA stays on both sides.
        IkeSa answered = Assert.Single(await right.SnapshotAsync());
        Assert.Equal(1, await right.TerminateAsync(answered.Config.Name, childrenOnly: true, "test"));
        Assert.True(await Until(() => left.InvokeAsync(() => sa.Children.Count == 0 && sinkL.DownCount == 1)));
        Assert.Equal(IkeSaState.Established, await left.InvokeAsync(() => sa.State));

        // Two acquires queued back to back (both run on the loop before any answer can): one CREATE_CHILD_SA.
        Task<(ChildSaAcquire Result, ulong IkeSpi)> first = left.AcquireChildAsync("left.example.com");
        Task<(ChildSaAcquire Result, ulong IkeSpi)> second = left.AcquireChildAsync("left.example.com");
        Assert.Equal((ChildSaAcquire.Creating, sa.LocalSpi), await first);
        Assert.Equal((ChildSaAcquire.AlreadyCreating, sa.LocalSpi), await second);

        Assert.True(await Until(() => left.InvokeAsync(() => sa.Children.Count == 1 && !sa.CreatingChild)));
        Assert.True(await Until(() => right.InvokeAsync(() => answered.Children.Count == 1)));
        ChildSa fresh = await left.InvokeAsync(() => sa.Children[0]);
        Assert.NotEqual(firstSpi, fresh.InboundSpi);
        // The new pair has the selectors the first one had, and the IKE SA is the same one (same SPI, still the only one).
        Assert.Equal(IkePair.Config("left.example.com", "k").LocalTrafficSelectors, fresh.LocalSelectors);
        Assert.Same(sa, Assert.Single(await left.SnapshotAsync()));
        Assert.Equal(2, Volatile.Read(ref sinkL.UpCount));
        Assert.Equal(2, Volatile.Read(ref sinkR.UpCount));
        Assert.Equal(ChildSaAcquire.Installed, (await left.AcquireChildAsync("left.example.com")).Result);

        await stop.CancelAsync();
        await loops;
    }

    [Fact]
    public async Task A_new_child_the_peer_refuses_is_reported_and_the_ike_sa_stays()
    {
        var link = new EngineLink();
        var rightPolicy = new SwitchablePolicy();
        using var left = new IkeEngine(link.TransportFor(Left), new ConfiguredSelectorPolicy(), new CountingSink(), null);
        using var right = new IkeEngine(link.TransportFor(Right), rightPolicy, new CountingSink(), IkePair.Config("right.example.com", "k"));
        link.Own(Left, left);
        link.Own(Right, right);
        var refusals = new List<string>();
        left.ChildSaRefused += (_, reason) => refusals.Add(reason);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task loops = Task.WhenAll(left.RunAsync(stop.Token), right.RunAsync(stop.Token));

        IkeSa sa = await left.InitiateAsync(IkePair.Config("left.example.com", "k"), new IPEndPoint(Left, 500), new IPEndPoint(Right, 500));
        Assert.True(await Until(() => left.InvokeAsync(() => sa.State == IkeSaState.Established && sa.Children.Count == 1)));
        Assert.Equal(1, await left.TerminateAsync("left.example.com", childrenOnly: true, "test"));
        Assert.True(await Until(() => left.InvokeAsync(() => sa.Children.Count == 0)));

        rightPolicy.RefuseSelectors = true;
        Assert.Equal(ChildSaAcquire.Creating, (await left.AcquireChildAsync("left.example.com")).Result);
        Assert.True(await Until(() => left.InvokeAsync(() => refusals.Count == 1)));
        Assert.Contains("TsUnacceptable", refusals[0], StringComparison.Ordinal);
        Assert.False(await left.InvokeAsync(() => sa.CreatingChild));
        Assert.Equal(IkeSaState.Established, await left.InvokeAsync(() => sa.State));
        Assert.Empty(await left.InvokeAsync(() => sa.Children.ToList()));

        // A later acquire may try again, and gets its pair once the peer accepts.
        rightPolicy.RefuseSelectors = false;
        Assert.Equal(ChildSaAcquire.Creating, (await left.AcquireChildAsync("left.example.com")).Result);
        Assert.True(await Until(() => left.InvokeAsync(() => sa.Children.Count == 1)));
        Assert.Single(refusals);
        await stop.CancelAsync();
        await loops;
    }

    [Fact]
    public async Task Deleting_a_peer_sends_delete_and_leaves_the_other_peers_sas()
    {
        var link = new EngineLink();
        IPAddress third = IPAddress.Parse("198.18.0.3");
        using var left = new IkeEngine(link.TransportFor(Left), new ConfiguredSelectorPolicy(), new CountingSink(), null);
        using var right = new IkeEngine(link.TransportFor(Right), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("right.example.com", "k"));
        using var other = new IkeEngine(link.TransportFor(third), new ConfiguredSelectorPolicy(), new CountingSink(), IkePair.Config("other.example.com", "k"));
        link.Own(Left, left);
        link.Own(Right, right);
        link.Own(third, other);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task loops = Task.WhenAll(left.RunAsync(stop.Token), right.RunAsync(stop.Token), other.RunAsync(stop.Token));

        IkeSa toRight = await left.InitiateAsync(IkePair.Config("left.example.com", "k") with { Name = "right" }, new IPEndPoint(Left, 500), new IPEndPoint(Right, 500));
        IkeSa toOther = await left.InitiateAsync(IkePair.Config("left.example.com", "k") with { Name = "other" }, new IPEndPoint(Left, 500), new IPEndPoint(third, 500));
        Assert.True(await Until(() => left.InvokeAsync(() => toRight.State == IkeSaState.Established && toOther.State == IkeSaState.Established)));

        Assert.Equal(1, await left.DeletePeerAsync("other", "peer removed", TimeSpan.FromSeconds(5)));
        Assert.Equal(IkeSaState.Closed, await left.InvokeAsync(() => toOther.State));
        Assert.True(await Until(async () => (await other.SnapshotAsync()).Count == 0)); // it got the DELETE
        Assert.Same(toRight, Assert.Single(await left.SnapshotAsync()));
        Assert.Equal(IkeSaState.Established, await left.InvokeAsync(() => toRight.State));
        Assert.Single(await right.SnapshotAsync());
        await stop.CancelAsync();
        await loops;
    }

    private static async Task<bool> Until(Func<Task<bool>> condition)
    {
        for (int i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>The configured selectors, or TS_UNACCEPTABLE for every request while <see cref="RefuseSelectors"/> is set.</summary>
    private sealed class SwitchablePolicy : IIkePolicy
    {
        private readonly ConfiguredSelectorPolicy _inner = new();

        public volatile bool RefuseSelectors;

        public bool AdmitPeer(IkeSa sa, PeerIdentity peer, out string reason) => _inner.AdmitPeer(sa, peer, out reason);

        public bool TryNarrow(IkeSa sa, IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
            out IReadOnlyList<TrafficSelector> narrowedTsi, out IReadOnlyList<TrafficSelector> narrowedTsr)
        {
            if (RefuseSelectors)
            {
                narrowedTsi = narrowedTsr = [];
                return false;
            }

            return _inner.TryNarrow(sa, tsi, tsr, out narrowedTsi, out narrowedTsr);
        }
    }
}
