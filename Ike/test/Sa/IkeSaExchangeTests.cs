using System.Net;
using IpsecFw.Esp;
using IpsecFw.Esp.Sa;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>Two of our IKE SAs stepped packet by packet through the RFC 7296 exchanges.</summary>
public sealed class IkeSaExchangeTests
{
    [Theory]
    [InlineData("aes256gcm16-prfsha384-ecp384", "aes256gcm16-esn")]
    [InlineData("aes128gcm16-prfsha256-ecp256", "aes128gcm16-noesn")]
    [InlineData("aes128-sha256-modp2048", "aes256gcm16-noesn")]
    [InlineData("aes256-sha512-ecp521", "chacha20poly1305-noesn")]
    [InlineData("chacha20poly1305-prfsha256-x25519", "aes128gcm16-esn")]
    [InlineData("aes256-sha384-x25519", "aes256gcm16-esn")]
    public void Establishes_with_one_child_sa_and_matching_keys(string ike, string esp)
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "secret", ike, esp), IkePair.Config("right.example.com", "secret", ike, esp));
        pair.Establish();

        Assert.Equal([ExchangeType.IkeSaInit, ExchangeType.IkeSaInit, ExchangeType.IkeAuth, ExchangeType.IkeAuth], pair.Trace);
        IkeSa i = pair.Initiator!, r = pair.Responder!;
        Assert.Equal(i.InitiatorSpi, r.InitiatorSpi);
        Assert.Equal(i.ResponderSpi, r.ResponderSpi);
        Assert.Equal(["right.example.com"], i.PeerIdentity!.DnsNames);
        Assert.Equal(["left.example.com"], r.PeerIdentity!.DnsNames);
        ChildSa ci = Assert.Single(i.Children), cr = Assert.Single(r.Children);
        Assert.Equal(ci.OutboundSpi, cr.InboundSpi);
        Assert.Equal(ci.InboundSpi, cr.OutboundSpi);
        Assert.Equal(ci.Algorithms, cr.Algorithms);
        Assert.Equal(esp.EndsWith("-esn", StringComparison.Ordinal), ci.Algorithms.ExtendedSequenceNumbers);
        Assert.True(ci.OutboundKey.SequenceEqual(cr.InboundKey));
        Assert.True(ci.InboundKey.SequenceEqual(cr.OutboundKey));
        Assert.False(ci.OutboundKey.SequenceEqual(ci.InboundKey));
        Assert.Equal(1, pair.InitiatorHost.Established);
        Assert.Equal(1, pair.ResponderHost.Established);
        Assert.Same(ci, Assert.Single(pair.InitiatorHost.Up));
    }

    [Fact]
    public void Child_sa_keys_carry_esp_both_ways()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        ChildSa ci = pair.Initiator!.Children[0], cr = pair.Responder!.Children[0];
        using EspSa iOut = Sa(ci, EspDirection.Outbound), iIn = Sa(ci, EspDirection.Inbound);
        using EspSa rOut = Sa(cr, EspDirection.Outbound), rIn = Sa(cr, EspDirection.Inbound);
        RoundTrip(iOut, rIn);
        RoundTrip(rOut, iIn);

        static EspSa Sa(ChildSa c, EspDirection d) => new(new EspSaConfig
        {
            Spi = d == EspDirection.Outbound ? c.OutboundSpi : c.InboundSpi,
            Direction = d,
            Cipher = c.Algorithms.Cipher,
            KeyMaterial = (d == EspDirection.Outbound ? c.OutboundKey : c.InboundKey).ToArray(),
            ExtendedSequenceNumbers = c.Algorithms.ExtendedSequenceNumbers,
        });

        static void RoundTrip(EspSa sender, EspSa receiver)
        {
            byte[] buffer = new byte[256];
            byte[] payload = [.. Enumerable.Range(0, 40).Select(x => (byte)x)];
            payload.CopyTo(buffer.AsSpan(64));
            Assert.Equal(EspStatus.Ok, sender.Seal(buffer, 64, payload.Length, 4, out int espOffset, out int espLength));
            Assert.Equal(EspStatus.Ok, receiver.Open(buffer, espOffset, espLength, out int po, out int pl, out byte nh));
            Assert.Equal(4, nh);
            Assert.True(buffer.AsSpan(po, pl).SequenceEqual(payload));
        }
    }

    [Fact]
    public void Invalid_ke_payload_is_followed_with_the_group_the_responder_wants()
    {
        var pair = new IkePair(
            IkePair.Config("left.example.com", "k", "aes256gcm16-prfsha384-x25519-ecp256"),
            IkePair.Config("right.example.com", "k", "aes256gcm16-prfsha384-ecp256"));
        pair.Establish();
        Assert.Equal(KeyExchangeMethod.Ecp256, pair.Initiator!.Algorithms!.Group);
        Assert.Equal(4, pair.Trace.Count(t => t == ExchangeType.IkeSaInit));
        Assert.Contains(pair.ResponderRefusals, r => r.Contains("Curve25519", StringComparison.Ordinal));
    }

    [Fact]
    public void No_common_ike_proposal_is_refused_with_no_proposal_chosen()
    {
        var pair = new IkePair(
            IkePair.Config("left.example.com", "k", "aes128-sha256-modp2048"),
            IkePair.Config("right.example.com", "k", "aes256gcm16-prfsha384-ecp384"));
        pair.Start();
        pair.Pump();
        Assert.Null(pair.Responder);
        Assert.Equal(IkeSaState.Closed, pair.Initiator!.State);
        Assert.Contains("NoProposalChosen", pair.Initiator.CloseReason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_common_esp_proposal_keeps_the_ike_sa_without_child()
    {
        var pair = new IkePair(
            IkePair.Config("left.example.com", "k", esp: "aes128gcm16-noesn"),
            IkePair.Config("right.example.com", "k", esp: "chacha20poly1305-noesn"));
        pair.Establish();
        Assert.Empty(pair.Initiator!.Children);
        Assert.Empty(pair.Responder!.Children);
        Assert.Equal([0x1000u], pair.InitiatorHost.Released);
    }

    [Fact]
    public void Ts_unacceptable_keeps_the_ike_sa_without_child()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.ResponderHost.Narrow = (_, _) => null;
        pair.Establish();
        Assert.Empty(pair.Initiator!.Children);
        Assert.Empty(pair.ResponderHost.Up);
    }

    [Fact]
    public void Wrong_psk_is_answered_with_authentication_failed_and_both_close()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "one"), IkePair.Config("right.example.com", "two"));
        pair.Start();
        pair.Pump();
        Assert.Equal(IkeSaState.Closed, pair.Responder!.State);
        Assert.Contains("BadSignature", pair.Responder.CloseReason, StringComparison.Ordinal);
        Assert.Equal(IkeSaState.Closed, pair.Initiator!.State);
        Assert.Contains("AuthenticationFailed", pair.Initiator.CloseReason, StringComparison.Ordinal);
        Assert.Empty(pair.ResponderHost.Up);
        Assert.Equal([0x1000u], pair.InitiatorHost.Released);
    }

    [Fact]
    public void Peer_the_policy_does_not_admit_gets_authentication_failed()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.ResponderHost.Admission = p => p.DnsNames.Contains("left.example.com") ? "no rule names this peer" : null;
        pair.Start();
        pair.Pump();
        Assert.Equal(IkeSaState.Closed, pair.Responder!.State);
        Assert.Contains("no rule names this peer", pair.Responder.CloseReason, StringComparison.Ordinal);
        Assert.Contains("AuthenticationFailed", pair.Initiator!.CloseReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Initiator_refuses_a_responder_the_policy_does_not_admit()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.InitiatorHost.Admission = _ => "responder not allowed";
        pair.Start();
        pair.Pump();
        Assert.Equal(IkeSaState.Closed, pair.Initiator!.State);
        Assert.Contains("responder not allowed", pair.Initiator.CloseReason, StringComparison.Ordinal);
        Assert.Equal(IkeSaState.Closed, pair.Responder!.State);
        Assert.Contains("AUTHENTICATION_FAILED", pair.Responder.CloseReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Lost_request_is_retransmitted_with_backoff_and_the_same_bytes()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Start();
        pair.Pump(); // IKE_SA_INIT both ways, IKE_AUTH both ways
        var fresh = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        fresh.Start();
        byte[] first = fresh.InitiatorHost.Outbox.Dequeue().Message; // lost
        fresh.Initiator!.OnTimer();
        Assert.Empty(fresh.InitiatorHost.Outbox);
        fresh.Time.Advance(TimeSpan.FromSeconds(2));
        fresh.Initiator.OnTimer();
        byte[] again = fresh.InitiatorHost.Outbox.Peek().Message;
        Assert.Equal(first, again);
        fresh.Time.Advance(TimeSpan.FromSeconds(2)); // next timeout is 2 s * 1.8
        fresh.Initiator.OnTimer();
        Assert.Single(fresh.InitiatorHost.Outbox);
        fresh.Time.Advance(TimeSpan.FromSeconds(1.7));
        fresh.Initiator.OnTimer();
        Assert.Equal(2, fresh.InitiatorHost.Outbox.Count);
        fresh.Pump();
        Assert.Equal(IkeSaState.Established, fresh.Initiator.State);
        Assert.Equal(2, fresh.Initiator.Counters.Retransmissions);
    }

    [Fact]
    public void Duplicate_ike_auth_request_is_answered_from_the_cache()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Start();
        var init = pair.InitiatorHost.Outbox.Dequeue();
        pair.DeliverToResponder(init.Message, init.Local, init.Remote);
        var initResponse = pair.ResponderHost.Outbox.Dequeue();
        pair.Initiator!.Receive(initResponse.Message, initResponse.Remote, initResponse.Local);
        var auth = pair.InitiatorHost.Outbox.Dequeue();
        pair.DeliverToResponder(auth.Message, auth.Local, auth.Remote);
        byte[] response = pair.ResponderHost.Outbox.Dequeue().Message;
        pair.DeliverToResponder(auth.Message, auth.Local, auth.Remote);
        Assert.Equal(response, pair.ResponderHost.Outbox.Dequeue().Message);
        Assert.Equal(1, pair.Responder!.Counters.DuplicatesAnswered);
        Assert.Single(pair.ResponderHost.Up);

        // A forged request with the old message ID is not answered.
        byte[] forged = (byte[])auth.Message.Clone();
        forged[^1] ^= 1;
        pair.DeliverToResponder(forged, auth.Local, auth.Remote);
        Assert.Empty(pair.ResponderHost.Outbox);
    }

    [Fact]
    public void Duplicate_ike_sa_init_is_answered_from_the_cache()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Start();
        var init = pair.InitiatorHost.Outbox.Dequeue();
        pair.DeliverToResponder(init.Message, init.Local, init.Remote);
        byte[] first = pair.ResponderHost.Outbox.Dequeue().Message;
        pair.Responder!.Receive(init.Message, init.Remote, init.Local);
        Assert.Equal(first, pair.ResponderHost.Outbox.Dequeue().Message);
    }

    [Fact]
    public void Liveness_check_finds_a_dead_peer_and_closes()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        IkeSa i = pair.Initiator!;
        pair.Time.Advance(TimeSpan.FromSeconds(31));
        i.OnTimer();
        Assert.True(i.HasPendingRequest);
        pair.InitiatorHost.Outbox.Clear();
        for (int step = 0; step < 200 && i.State != IkeSaState.Closed; step++)
        {
            pair.Time.Advance(TimeSpan.FromSeconds(1));
            i.OnTimer();
        }

        Assert.Equal(IkeSaState.Closed, i.State);
        Assert.Contains("liveness check", i.CloseReason, StringComparison.Ordinal);
        Assert.Equal(5, i.Counters.Retransmissions);
        Assert.Single(pair.InitiatorHost.Down);
    }

    [Fact]
    public void Liveness_check_is_answered_by_a_live_peer()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        pair.Time.Advance(TimeSpan.FromSeconds(31));
        pair.Initiator!.OnTimer();
        pair.Pump();
        Assert.False(pair.Initiator.HasPendingRequest);
        Assert.Equal(IkeSaState.Established, pair.Initiator.State);
        Assert.Equal(IkeSaState.Established, pair.Responder!.State);
    }

    [Fact]
    public void Traffic_through_a_child_sa_defers_the_liveness_check()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        pair.Time.Advance(TimeSpan.FromSeconds(25));
        pair.Initiator!.NotePeerAlive();
        pair.Time.Advance(TimeSpan.FromSeconds(10));
        pair.Initiator.OnTimer();
        Assert.False(pair.Initiator.HasPendingRequest);
    }

    [Fact]
    public void Delete_of_the_ike_sa_closes_both_sides_and_removes_children()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        pair.Initiator!.Delete("administrator");
        pair.Pump();
        Assert.Equal(IkeSaState.Closed, pair.Initiator.State);
        Assert.Equal("administrator", pair.Initiator.CloseReason);
        Assert.Equal(IkeSaState.Closed, pair.Responder!.State);
        Assert.Equal("peer deleted the IKE SA", pair.Responder.CloseReason);
        Assert.Single(pair.InitiatorHost.Down);
        Assert.Single(pair.ResponderHost.Down);
    }

    [Fact]
    public void Delete_of_a_child_sa_removes_the_pair_on_both_sides()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        ChildSa child = pair.Responder!.Children[0];
        pair.Responder.DeleteChild(child, "test");
        pair.Pump();
        Assert.Empty(pair.Responder.Children);
        Assert.Empty(pair.Initiator!.Children);
        Assert.Equal(IkeSaState.Established, pair.Initiator.State);
        Assert.Single(pair.InitiatorHost.Down);
    }

    [Fact]
    public void Half_open_responder_expires()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Start();
        var init = pair.InitiatorHost.Outbox.Dequeue();
        pair.DeliverToResponder(init.Message, init.Local, init.Remote);
        Assert.Equal(IkeSaState.InitAnswered, pair.Responder!.State);
        pair.Time.Advance(TimeSpan.FromSeconds(31));
        pair.Responder.OnTimer();
        Assert.Equal(IkeSaState.Closed, pair.Responder.State);
        Assert.Contains("half-open", pair.Responder.CloseReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Forced_udp_encapsulation_moves_ike_to_port_4500()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        Assert.Equal(4500, pair.Initiator!.LocalEndPoint.Port);
        Assert.Equal(4500, pair.Initiator.RemoteEndPoint.Port);
        Assert.Equal(4500, pair.Responder!.RemoteEndPoint.Port);
        Assert.True(pair.Responder.NatRemote);
        Assert.True(pair.Initiator.NatRemote);
        Assert.True(pair.Initiator.Children[0].UdpEncapsulated);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 4500), pair.Initiator.Children[0].RemoteEndPoint);
    }

    [Fact]
    public void Without_forcing_and_without_nat_ike_stays_on_port_500()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k") with { ForceUdpEncapsulation = false },
            IkePair.Config("right.example.com", "k") with { ForceUdpEncapsulation = false });
        pair.Establish();
        Assert.Equal(500, pair.Initiator!.RemoteEndPoint.Port);
        Assert.False(pair.Initiator.NatLocal || pair.Initiator.NatRemote || pair.Responder!.NatRemote || pair.Responder.NatLocal);
        Assert.False(pair.Initiator.Children[0].UdpEncapsulated);
    }

    [Fact]
    public void Hostile_datagrams_to_an_established_sa_are_dropped_and_counted()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        IkeSa r = pair.Responder!;
        var random = new Random(7);
        pair.Initiator!.Delete("probe");
        byte[] valid = pair.InitiatorHost.Outbox.Peek().Message;
        for (int n = 0; n < 2000; n++)
        {
            byte[] bad = (byte[])valid.Clone();
            switch (n % 4)
            {
                case 0: bad[random.Next(bad.Length)] ^= (byte)(1 << random.Next(8)); break;
                case 1: bad = bad[..random.Next(bad.Length)]; break;
                case 2: random.NextBytes(bad.AsSpan(28)); break;
                default: bad = [.. bad, .. new byte[random.Next(1, 64)]]; break;
            }

            if (bad.AsSpan().SequenceEqual(valid))
            {
                continue;
            }

            r.Receive(bad, IkePair.ResponderAddress, IkePair.InitiatorAddress);
        }

        Assert.Equal(IkeSaState.Established, r.State);
        Assert.Empty(pair.ResponderHost.Outbox);
        Assert.True(r.Counters.Dropped >= 1900);
        pair.Pump();
        Assert.Equal(IkeSaState.Closed, r.State);
    }
}
