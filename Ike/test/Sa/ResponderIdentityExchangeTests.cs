using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>The responder chooses its configuration by the identity in IDi (RFC 7296 2.15), two SAs stepped packet by packet.</summary>
public sealed class ResponderIdentityExchangeTests
{
    private static LocalIdentity Fqdn(string name) => new(IdType.Fqdn, Encoding.ASCII.GetBytes(name));

    // The gateway's configuration for each peer: the peer's own PSK (the configuration chosen by address is alice's).
    private static readonly IkeSaConfig s_forAlice = IkePair.Config("gw.example.com", "alice-secret") with { Name = "alice" };
    private static readonly IkeSaConfig s_forBob = IkePair.Config("gw.example.com", "bob-secret") with { Name = "bob" };

    private static ResponderIdentityChooser Chooser() => new(
    [
        new ResponderCandidate(s_forAlice, Fqdn("alice.example.com"), null, IkePair.InitiatorAddress.Address),
        new ResponderCandidate(s_forBob, Fqdn("bob.example.com"), null, IkePair.InitiatorAddress.Address),
    ]);

    private static IkePair Pair(string initiator, string psk, bool choose)
    {
        var pair = new IkePair(IkePair.Config(initiator, psk), s_forAlice);
        if (choose)
        {
            ResponderIdentityChooser chooser = Chooser();
            pair.ResponderHost.ChooseConfig = (sa, id) => chooser.Choose(id, sa.RemoteEndPoint, sa.Config);
        }

        return pair;
    }

    [Fact]
    public void Two_peers_behind_one_address_are_each_answered_with_their_own_configuration()
    {
        foreach ((string who, string psk) in new[] { ("alice.example.com", "alice-secret"), ("bob.example.com", "bob-secret") })
        {
            IkePair pair = Pair(who, psk, choose: true);
            pair.Start();
            pair.Pump();
            Assert.Equal(IkeSaState.Established, pair.Initiator!.State);
            Assert.Equal(IkeSaState.Established, pair.Responder!.State);
            Assert.Equal(who[..who.IndexOf('.', StringComparison.Ordinal)], pair.Responder.Config.Name);
            Assert.Single(pair.ResponderHost.Up);
            Assert.Single(pair.InitiatorHost.Up);
        }
    }

    [Fact]
    public void Without_the_choice_by_identity_the_second_peer_fails_with_the_first_peers_key()
    {
        // The control: what the address alone chooses (alice's PSK) refuses bob.
        IkePair pair = Pair("bob.example.com", "bob-secret", choose: false);
        pair.Start();
        pair.Pump();
        Assert.Equal(IkeSaState.Closed, pair.Responder!.State);
        Assert.Equal(AuthFailure.BadSignature, pair.Responder.AuthFailure);
        Assert.Contains("AuthenticationFailed", pair.Initiator!.CloseReason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_identity_no_peer_accepts_is_refused_with_authentication_failed()
    {
        IkePair pair = Pair("carol.example.com", "alice-secret", choose: true);
        pair.Start();
        pair.Pump();
        Assert.Equal(IkeSaState.Closed, pair.Responder!.State);
        Assert.Equal(AuthFailure.NoMatchingPeer, pair.Responder.AuthFailure);
        Assert.Contains("no configured peer accepts the identity Fqdn 'carol.example.com'", pair.Responder.CloseReason, StringComparison.Ordinal);
        Assert.Equal(IkeSaState.Closed, pair.Initiator!.State);
        Assert.Contains("AuthenticationFailed", pair.Initiator.CloseReason, StringComparison.Ordinal);
        Assert.Empty(pair.ResponderHost.Up);
        Assert.Equal(0, pair.ResponderHost.Established);
    }

    [Fact]
    public void A_claimed_identity_still_has_to_prove_itself_with_the_chosen_peers_key()
    {
        // Carol claims to be bob: bob's configuration is chosen, and bob's PSK refuses her AUTH.
        IkePair pair = Pair("bob.example.com", "alice-secret", choose: true);
        pair.Start();
        pair.Pump();
        Assert.Equal("bob", pair.Responder!.Config.Name);
        Assert.Equal(AuthFailure.BadSignature, pair.Responder.AuthFailure);
        Assert.Equal(IkeSaState.Closed, pair.Initiator!.State);
    }
}
