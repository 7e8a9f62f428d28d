using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Ike.Tests.Auth;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>RFC 7383 between two of our SAs: negotiation in IKE_SA_INIT, IKE_AUTH fragmented both ways, loss and retransmission.</summary>
public sealed class IkeSaFragmentationTests
{
    [Fact]
    public void Ike_auth_goes_fragmented_both_ways_and_a_lost_fragment_is_recovered_by_retransmission()
    {
        var pair = new IkePair(
            IkePair.Config("left.example.com", "k") with { FragmentMtu = 200 },
            IkePair.Config("right.example.com", "k") with { FragmentMtu = 200 });
        bool requestLost = false, responseLost = false;
        pair.Start();
        pair.Pump(m =>
        {
            // The first copy of fragment 2 of the IKE_AUTH request is lost.
            if (!IsResponse(m) && Fragment(m) is { FragmentNumber: 2 } && !requestLost)
            {
                requestLost = true;
                return false;
            }

            return true;
        });

        IkeSa i = pair.Initiator!;
        Assert.True(requestLost);
        Assert.False(responseLost);
        Assert.True(i.FragmentationNegotiated);
        Assert.NotEqual(IkeSaState.Established, i.State);
        Assert.Equal(IkeSaState.InitAnswered, pair.Responder!.State);

        // The initiator's retransmission resends every fragment; the responder keeps the one it lacked, ignores the rest,
        // answers with fragments, of which fragment 2 is lost.
        pair.Time.Advance(TimeSpan.FromSeconds(2));
        i.OnTimer();
        pair.Pump(m =>
        {
            if (IsResponse(m) && Fragment(m) is { FragmentNumber: 2 } && !responseLost)
            {
                responseLost = true;
                return false;
            }

            return true;
        });
        IkeSa r = pair.Responder!;
        Assert.True(responseLost);
        Assert.Equal(IkeSaState.Established, r.State);
        Assert.NotEqual(IkeSaState.Established, i.State);

        // The second retransmission: fragment 1 of the answered request draws all response fragments again (RFC 7383 2.6.1).
        pair.Time.Advance(TimeSpan.FromSeconds(3.6));
        i.OnTimer();
        pair.Pump();
        Assert.Equal(IkeSaState.Established, i.State);
        Assert.Single(i.Children);
        Assert.Single(r.Children);
        Assert.Equal(2, i.Counters.Retransmissions);
        Assert.Equal(1, r.Counters.DuplicatesAnswered);
        Assert.Equal(1, i.Counters.MessagesReassembled);
        Assert.Equal(1, r.Counters.MessagesReassembled);
        Assert.True(i.Counters.FragmentsSent >= 6, i.Counters.FragmentsSent.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(r.Counters.FragmentsSent >= 4);
        Assert.True(r.Counters.FragmentsDropped > 0); // the retransmitted fragments it already had, and fragments of an answered request
        Assert.DoesNotContain(pair.Trace, t => t is not ExchangeType.IkeSaInit and not ExchangeType.IkeAuth);

        // The SA works afterwards: a liveness check (small, so not fragmented) is answered.
        long before = r.Counters.FragmentsSent;
        pair.Time.Advance(TimeSpan.FromSeconds(31));
        i.OnTimer();
        pair.Pump();
        Assert.Equal(IkeSaState.Established, i.State);
        Assert.False(i.HasPendingRequest);
        Assert.Equal(before, r.Counters.FragmentsSent);
    }

    [Fact]
    public void A_forged_fragment_in_front_of_each_real_one_changes_nothing()
    {
        var pair = new IkePair(
            IkePair.Config("left.example.com", "k") with { FragmentMtu = 200 },
            IkePair.Config("right.example.com", "k") with { FragmentMtu = 200 });
        pair.Start();
        pair.Pump(m =>
        {
            if (!IsResponse(m) && Fragment(m) is not null)
            {
                // An on-path attacker races each request fragment with a copy whose ciphertext it altered (RFC 7383 2.6:
                // dropped on its ICV, so it neither fills the slot nor starts the reassembly over).
                byte[] forged = (byte[])m.Clone();
                forged[^1] ^= 0x40;
                pair.DeliverToResponder(forged, IkePair.InitiatorAddress, IkePair.ResponderAddress);
            }

            return true;
        });

        Assert.Equal(IkeSaState.Established, pair.Initiator!.State);
        Assert.Equal(IkeSaState.Established, pair.Responder!.State);
        Assert.Equal(0, pair.Initiator.Counters.Retransmissions);
        Assert.True(pair.Responder.Counters.FragmentsDropped >= 2);
        Assert.Equal(1, pair.Responder.Counters.MessagesReassembled);
    }

    [Fact]
    public void Certificate_chains_cross_a_576_byte_mtu()
    {
        Issued root = TestPki.Root("Frag Root", KeyKind.Rsa3072);
        Issued ca = TestPki.Intermediate(root, "Frag Intermediate", KeyKind.Rsa2048);
        Issued left = TestPki.EndEntity(ca, "CN=left.example.com,O=Example", KeyKind.Rsa2048, b => b.AddDnsName("left.example.com"));
        Issued right = TestPki.EndEntity(ca, "CN=right.example.com,O=Example", KeyKind.Rsa2048, b => b.AddDnsName("right.example.com"));
        TrustStore trust = TestPki.Trust(root);
        using LocalCredentials lc = TestPki.Credentials(left, [ca]);
        using LocalCredentials rc = TestPki.Credentials(right, [ca]);
        var pair = new IkePair(
            IkePair.Config("left.example.com", "k") with { Authenticator = new CertificateAuthenticator(lc, trust, AuthHarness.Options()), FragmentMtu = 0 },
            IkePair.Config("right.example.com", "k") with { Authenticator = new CertificateAuthenticator(rc, trust, AuthHarness.Options()), FragmentMtu = 0 });
        int largest = 0;
        pair.Start();
        pair.Pump(m =>
        {
            largest = Math.Max(largest, m.Length);
            return true;
        });

        Assert.Equal(IkeSaState.Established, pair.Initiator!.State);
        Assert.Equal(IkeSaState.Established, pair.Responder!.State);
        Assert.Equal("left.example.com", pair.Responder.PeerIdentity!.CommonName);
        Assert.True(largest <= 576 - 28, $"largest datagram {largest}");
        Assert.True(pair.Initiator.Counters.FragmentsSent >= 4);
        Assert.True(pair.Responder.Counters.FragmentsSent >= 4);
        Assert.Equal(0, pair.Initiator.Counters.FragmentsDropped + pair.Responder.Counters.FragmentsDropped);
    }

    [Fact]
    public void No_fragments_when_the_peer_did_not_announce_support()
    {
        var pair = new IkePair(
            IkePair.Config("left.example.com", "k") with { FragmentMtu = 200, Fragmentation = false },
            IkePair.Config("right.example.com", "k") with { FragmentMtu = 200 });
        var announced = new List<bool>();
        pair.Start();
        pair.Pump(m =>
        {
            Assert.Null(Fragment(m));
            if (IkeMessage.TryDecode(m, out IkeMessage d, out _) && d.Header.ExchangeType == ExchangeType.IkeSaInit)
            {
                announced.Add(d.GetNotify(NotifyType.Ikev2FragmentationSupported) is not null);
            }

            return true;
        });

        Assert.Equal([false, false], announced); // RFC 7383 2.3: the responder announces only in answer to the initiator
        Assert.Equal(IkeSaState.Established, pair.Initiator!.State);
        Assert.False(pair.Initiator.FragmentationNegotiated);
        Assert.False(pair.Responder!.FragmentationNegotiated);
        Assert.Equal(0, pair.Responder.Counters.FragmentsSent);
    }

    [Fact]
    public void Messages_under_the_mtu_are_not_fragmented()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k"), IkePair.Config("right.example.com", "k"));
        pair.Establish();
        Assert.True(pair.Initiator!.FragmentationNegotiated);
        Assert.True(pair.Responder!.FragmentationNegotiated);
        Assert.Equal(0, pair.Initiator.Counters.FragmentsSent + pair.Responder.Counters.FragmentsSent);
    }

    private static EncryptedFragmentPayload? Fragment(byte[] datagram) =>
        IkeMessage.TryDecode(datagram, out IkeMessage m, out _) ? m.Get<EncryptedFragmentPayload>() : null;

    private static bool IsResponse(byte[] datagram) => IkeHeader.TryRead(datagram, out IkeHeader h) && h.IsResponse;
}
