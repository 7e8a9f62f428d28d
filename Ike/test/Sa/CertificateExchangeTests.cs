using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Sa;
using IpsecFw.Ike.Tests.Auth;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>IKE_AUTH with certificates between two of our SAs: the chain, ID and signature checks inside the exchange.</summary>
public sealed class CertificateExchangeTests
{
    [Theory]
    [InlineData(KeyKind.P256)]
    [InlineData(KeyKind.P384)]
    [InlineData(KeyKind.Rsa2048)]
    public void Certificates_authenticate_both_sides_and_the_peer_identity_reaches_the_policy(KeyKind kind)
    {
        Issued root = TestPki.Root(kind: KeyKind.P384);
        Issued intermediate = TestPki.Intermediate(root);
        Issued left = TestPki.EndEntity(intermediate, "CN=left.example.com,OU=eng,O=Example", kind);
        Issued right = TestPki.EndEntity(intermediate, "CN=right.example.com,OU=ops,O=Example", kind);
        var pair = new IkePair(Config("left", left, intermediate, root), Config("right", right, intermediate, root));
        pair.Establish();

        Assert.Equal("CN=right.example.com,OU=ops,O=Example", pair.Initiator!.PeerIdentity!.SubjectDn);
        Assert.Equal(["eng"], pair.Responder!.PeerIdentity!.OrganizationalUnits);
        Assert.Equal("CN=IpsecFw Test Intermediate,O=IpsecFw Test", pair.Responder.PeerIdentity.IssuerDn);
        Assert.Single(pair.Initiator.Children);
    }

    [Fact]
    public void A_peer_from_another_root_is_refused_with_authentication_failed()
    {
        Issued root = TestPki.Root(), other = TestPki.Root("Other Root");
        Issued left = TestPki.EndEntity(TestPki.Intermediate(other), "CN=left.example.com,O=Example");
        Issued right = TestPki.EndEntity(TestPki.Intermediate(root), "CN=right.example.com,O=Example");
        var pair = new IkePair(Config("left", left, null, root), Config("right", right, null, root));
        pair.Start();
        pair.Pump();
        Assert.Equal(IkeSaState.Closed, pair.Responder!.State);
        Assert.Contains("UntrustedIssuer", pair.Responder.CloseReason, StringComparison.Ordinal);
        Assert.Contains("AuthenticationFailed", pair.Initiator!.CloseReason, StringComparison.Ordinal);
    }

    private static IkeSaConfig Config(string name, Issued self, Issued? intermediate, Issued root)
    {
        IkeSaConfig basic = IkePair.Config(name + ".example.com", "unused");
        var credentials = LocalCredentials.FromKey(self.Der, self.Key, intermediate is null ? null : [intermediate.Der]);
        var auth = new CertificateAuthenticator(credentials, TestPki.Trust(root),
            new CertificateAuthenticatorOptions { Revocation = RevocationPolicy.None, TimeProvider = new FakeTimeProvider(TestPki.Now) });
        return basic with { Authenticator = auth };
    }
}
