using System.Net;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>CREATE_CHILD_SA stepped packet by packet: CHILD_SA rekeys with and without PFS, collisions, IKE SA rekeys.</summary>
public sealed class IkeSaRekeyTests
{
    [Theory]
    [InlineData("aes256gcm16-noesn", true)]
    [InlineData("aes256gcm16-noesn", false)]
    [InlineData("aes128gcm16-ecp256-esn", true)]
    [InlineData("chacha20poly1305-x25519-noesn", false)]
    public void Child_sa_rekey_makes_before_it_breaks(string esp, bool initiatorRekeys)
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k", esp: esp), IkePair.Config("right.example.com", "k", esp: esp));
        pair.Establish();
        IkeSa rekeyer = initiatorRekeys ? pair.Initiator! : pair.Responder!;
        IkeSa other = initiatorRekeys ? pair.Responder! : pair.Initiator!;
        LoopbackHost otherHost = initiatorRekeys ? pair.ResponderHost : pair.InitiatorHost;
        ChildSa old = rekeyer.Children[0];
        byte[] oldKey = old.OutboundKey.ToArray();

        rekeyer.RekeyChild(old);
        pair.Pump();

        ChildSa fresh = Assert.Single(rekeyer.Children);
        ChildSa freshOther = Assert.Single(other.Children);
        Assert.NotSame(old, fresh);
        Assert.Equal(fresh.OutboundSpi, freshOther.InboundSpi);
        Assert.Equal(fresh.InboundSpi, freshOther.OutboundSpi);
        Assert.True(fresh.OutboundKey.SequenceEqual(freshOther.InboundKey));
        Assert.False(fresh.OutboundKey.SequenceEqual(oldKey));
        Assert.True(fresh.OutboundActive && freshOther.OutboundActive);
        // The responder of the rekey routed outbound traffic through the new pair only once the old one was deleted.
        Assert.Same(freshOther, Assert.Single(otherHost.Activated));
        Assert.Equal(2, pair.InitiatorHost.Up.Count);
        Assert.Single(pair.InitiatorHost.Down);
        Assert.Single(pair.ResponderHost.Down);
        Assert.Equal(esp.Contains("ecp256", StringComparison.Ordinal) ? KeyExchangeMethod.Ecp256
            : esp.Contains("x25519", StringComparison.Ordinal) ? KeyExchangeMethod.Curve25519 : KeyExchangeMethod.None, fresh.Algorithms.PfsGroup);
        Assert.Equal(IkeSaState.Established, rekeyer.State);
    }

    [Fact]
    public void Child_rekey_follows_invalid_ke_payload()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k", esp: "aes256gcm16-x25519-ecp384-noesn"),
            IkePair.Config("right.example.com", "k", esp: "aes256gcm16-ecp384-noesn"));
        pair.Establish();
        pair.Initiator!.RekeyChild(pair.Initiator.Children[0]);
        pair.Pump();
        Assert.Equal(KeyExchangeMethod.Ecp384, Assert.Single(pair.Initiator.Children).Algorithms.PfsGroup);
        Assert.Single(pair.Responder!.Children);
    }

    [Fact]
    public void Children_are_rekeyed_when_their_time_is_up()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k") with { ChildRekeyAfter = TimeSpan.FromSeconds(20) },
            IkePair.Config("right.example.com", "k") with { ChildRekeyAfter = TimeSpan.Zero });
        pair.Establish();
        uint first = pair.Initiator!.Children[0].InboundSpi;
        pair.Time.Advance(TimeSpan.FromSeconds(10));
        pair.Initiator.OnTimer();
        Assert.False(pair.Initiator.HasPendingRequest);
        pair.Time.Advance(TimeSpan.FromSeconds(11));
        pair.Initiator.OnTimer();
        pair.Pump();
        Assert.NotEqual(first, Assert.Single(pair.Initiator.Children).InboundSpi);
        Assert.Single(pair.Responder!.Children);
    }

    [Fact]
    public void Simultaneous_rekeys_of_one_pair_leave_exactly_one_pair()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        pair.Initiator!.RekeyChild(pair.Initiator.Children[0]);
        pair.Responder!.RekeyChild(pair.Responder.Children[0]);
        pair.Pump();

        ChildSa i = Assert.Single(pair.Initiator.Children);
        ChildSa r = Assert.Single(pair.Responder.Children);
        Assert.Equal(i.OutboundSpi, r.InboundSpi);
        Assert.Equal(i.InboundSpi, r.OutboundSpi);
        Assert.True(i.OutboundKey.SequenceEqual(r.InboundKey));
        Assert.True(i.OutboundActive && r.OutboundActive);
        Assert.Equal(3, pair.InitiatorHost.Up.Count);
        Assert.Equal(2, pair.InitiatorHost.Down.Count);
        Assert.Equal(IkeSaState.Established, pair.Initiator.State);
        Assert.Equal(IkeSaState.Established, pair.Responder.State);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Ike_sa_rekey_moves_the_children_to_the_new_sa(bool initiatorRekeys)
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        IkeSa oldI = pair.Initiator!, oldR = pair.Responder!;
        ChildSa child = oldI.Children[0];
        (initiatorRekeys ? oldI : oldR).RekeyIkeSa();
        pair.Pump();

        Assert.Equal(IkeSaState.Closed, oldI.State);
        Assert.Equal(IkeSaState.Closed, oldR.State);
        IkeSa newI = Assert.Single(pair.InitiatorHost.Rekeyed), newR = Assert.Single(pair.ResponderHost.Rekeyed);
        Assert.Equal(IkeSaState.Established, newI.State);
        Assert.Equal(IkeSaState.Established, newR.State);
        Assert.Equal(newI.InitiatorSpi, newR.InitiatorSpi);
        Assert.Equal(newI.ResponderSpi, newR.ResponderSpi);
        Assert.NotEqual(oldI.InitiatorSpi, newI.InitiatorSpi);
        Assert.Equal(initiatorRekeys ? IkeRole.Initiator : IkeRole.Responder, newI.Role);
        Assert.Same(child, Assert.Single(newI.Children));
        Assert.Single(newR.Children);
        Assert.Empty(pair.InitiatorHost.Down);
        Assert.Empty(pair.ResponderHost.Down);
        Assert.Equal(oldI.PeerIdentity, newI.PeerIdentity);

        // The new SA works: a liveness check and a CHILD_SA rekey through it.
        pair.Time.Advance(TimeSpan.FromSeconds(31));
        newI.OnTimer();
        pair.Pump();
        Assert.False(newI.HasPendingRequest);
        newR.RekeyChild(newR.Children[0]);
        pair.Pump();
        Assert.Single(newI.Children);
        Assert.NotSame(child, newI.Children[0]);
    }

    [Fact]
    public void Simultaneous_ike_sa_rekeys_leave_one_ike_sa_that_keeps_the_children_and_the_lease()
    {
        // RFC 7296 2.8.2: both ends rekey the IKE SA at once; each answers the other's request, so two new SAs exist.
        // The one made with the lowest of the four nonces is deleted by its initiator; the survivor's initiator deletes
        // the old SA. Whichever way the nonces fall, one side takes each branch.
        var pool = new AddressPool(IPNetwork.Parse("198.19.100.16/28"));
        var pair = new IkePair(IkePair.Config("laptop.example.com", "k") with { RequestVirtualIp = true },
            IkePair.Config("gw.example.com", "k") with { AddressPool = pool });
        pair.Establish();
        IkeSa oldI = pair.Initiator!, oldR = pair.Responder!;
        ChildSa child = oldI.Children[0];
        IPAddress lease = oldR.LeasedAddress!;
        oldI.RekeyIkeSa();
        oldR.RekeyIkeSa();
        pair.Pump();

        Assert.Equal(IkeSaState.Closed, oldI.State);
        Assert.Equal(IkeSaState.Closed, oldR.State);
        Assert.Equal(2, pair.InitiatorHost.Rekeyed.Count);
        Assert.Equal(2, pair.ResponderHost.Rekeyed.Count);
        IkeSa newI = Assert.Single(pair.InitiatorHost.Rekeyed, s => s.State == IkeSaState.Established);
        IkeSa newR = Assert.Single(pair.ResponderHost.Rekeyed, s => s.State == IkeSaState.Established);
        Assert.All(pair.InitiatorHost.Rekeyed.Concat(pair.ResponderHost.Rekeyed).Where(s => s.State != IkeSaState.Established),
            s => Assert.Equal(IkeSaState.Closed, s.State));
        Assert.Equal((newI.InitiatorSpi, newI.ResponderSpi), (newR.InitiatorSpi, newR.ResponderSpi));
        Assert.Same(child, Assert.Single(newI.Children));
        Assert.Single(newR.Children);
        Assert.Empty(pair.InitiatorHost.Down);
        Assert.Empty(pair.ResponderHost.Down);
        Assert.Equal(lease, newR.LeasedAddress);
        Assert.Equal(1, pool.Leased);
        Assert.Same(newI, oldI.Replacement);
        Assert.Same(newR, oldR.Replacement);

        // The survivor works, and deleting it gives the lease back.
        pair.Time.Advance(TimeSpan.FromSeconds(31));
        newI.OnTimer();
        pair.Pump();
        Assert.False(newI.HasPendingRequest);
        newI.Delete("done");
        pair.Pump();
        Assert.Equal(0, pool.Leased);
    }
}
