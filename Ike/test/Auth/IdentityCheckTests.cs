using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>RFC 4945 3.1: the peer's ID against its end-entity certificate, for each ID type.</summary>
public sealed class IdentityCheckTests
{
    private static readonly Lazy<Issued> s_root = new(() => TestPki.Root());
    private static readonly Lazy<Issued> s_ee = new(() => TestPki.EndEntity(s_root.Value));

    public static TheoryData<string, bool> Ids() => new()
    {
        { "gw1.example.com", true },
        { "GW1.Example.COM", true },
        { "gw2.example.com", false },
        { "admin@example.com", true },
        { "root@example.com", false },
        { "198.18.0.1", true },
        { "198.18.0.2", false },
        { "2001:2::1", true },
        { "2001:2::2", false },
        { "CN=gw1.example.com,OU=eng,O=Example", true },
        { "CN=gw1.example.com,OU=other,O=Example", false },
    };

    [Theory]
    [MemberData(nameof(Ids))]
    public void Peer_id_against_the_certificate(string idText, bool matches)
    {
        LocalIdentity id = IdentityText.Parse(idText);
        AuthVerification result = Verify(new IdPayload(true, id.Type, id.Data));
        if (matches)
        {
            Assert.True(result.Succeeded, result.Detail);
        }
        else
        {
            Assert.Equal(AuthFailure.IdentityMismatch, result.Failure);
            Assert.Contains("CN=gw1.example.com", result.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Identity_text_parsing()
    {
        Assert.Equal(IdType.Ipv4Address, IdentityText.Parse("198.18.0.1").Type);
        Assert.Equal([198, 18, 0, 1], IdentityText.Parse("198.18.0.1").Data);
        Assert.Equal(IdType.Ipv6Address, IdentityText.Parse("2001:2::1").Type);
        Assert.Equal(IdType.Fqdn, IdentityText.Parse("@gw1.example.com").Type);
        Assert.Equal("gw1.example.com"u8.ToArray(), IdentityText.Parse("@gw1.example.com").Data);
        Assert.Equal(IdType.Fqdn, IdentityText.Parse("gw1.example.com").Type);
        Assert.Equal(IdType.Rfc822Address, IdentityText.Parse("admin@example.com").Type);
        Assert.Equal(IdType.DerAsn1Dn, IdentityText.Parse("CN=a,O=b").Type);
        Assert.Throws<FormatException>(() => IdentityText.Parse(""));
    }

    [Fact]
    public void Dn_compared_by_der_then_canonically()
    {
        // The same name with a different string type (UTF8String instead of PrintableString) and case.
        byte[] subject = s_ee.Value.Certificate.SubjectName.RawData;
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach ((string oid, string value) in new[] { ("2.5.4.10", "example"), ("2.5.4.11", "ENG"), ("2.5.4.3", "GW1.example.com") })
            {
                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.UTF8String, value);
                }
            }
        }

        byte[] other = writer.Encode();
        Assert.NotEqual(subject, other);
        Assert.True(Verify(new IdPayload(true, IdType.DerAsn1Dn, other)).Succeeded);

        // Malformed DN data is a mismatch, never an exception.
        Assert.Equal(AuthFailure.IdentityMismatch, Verify(new IdPayload(true, IdType.DerAsn1Dn, [0x30, 0x05, 0x31])).Failure);
    }

    [Fact]
    public void Unsupported_id_types_do_not_match()
    {
        Assert.Equal(AuthFailure.IdentityMismatch, Verify(new IdPayload(true, IdType.KeyId, Encoding.ASCII.GetBytes("gw1"))).Failure);
        Assert.Equal(AuthFailure.IdentityMismatch, Verify(new IdPayload(true, IdType.Ipv4Address, [198, 18, 0])).Failure);
        Assert.Equal(AuthFailure.IdentityMismatch, Verify(new IdPayload(true, IdType.Fqdn, [])).Failure);
    }

    [Fact]
    public void Expected_remote_id_is_enforced()
    {
        LocalIdentity fqdn = IdentityText.Parse("gw1.example.com");
        var options = AuthHarness.Options() with { ExpectedRemoteId = IdentityText.Parse("gw9.example.com") };
        Assert.Equal(AuthFailure.NotAllowed, Verify(new IdPayload(true, fqdn.Type, fqdn.Data), options).Failure);
        options = AuthHarness.Options() with { ExpectedRemoteId = IdentityText.Parse("GW1.example.com") };
        Assert.True(Verify(new IdPayload(true, fqdn.Type, fqdn.Data), options).Succeeded);
    }

    [Fact]
    public void Local_id_chosen_from_the_san()
    {
        using LocalCredentials fqdn = TestPki.Credentials(s_ee.Value, localId: "gw1.example.com");
        Assert.Equal(IdType.Fqdn, fqdn.LocalId.Type);
        using LocalCredentials ip = TestPki.Credentials(s_ee.Value, localId: "2001:2::1");
        Assert.Equal(IdType.Ipv6Address, ip.LocalId.Type);
        CredentialException e = Assert.Throws<CredentialException>(() => TestPki.Credentials(s_ee.Value, localId: "198.19.0.1"));
        Assert.Contains("subjectAltName", e.Message, StringComparison.Ordinal);
        Assert.Throws<CredentialException>(() => TestPki.Credentials(s_ee.Value, localId: "CN=someone else"));

        // The peer verifies an FQDN ID sent by a signer configured for it.
        AuthVerification result = AuthHarness.Run(s_ee.Value, [], TestPki.Trust(s_root.Value), localId: "admin@example.com");
        Assert.True(result.Succeeded, result.Detail);
    }

    private static AuthVerification Verify(IdPayload id, CertificateAuthenticatorOptions? options = null)
    {
        using LocalCredentials credentials = TestPki.Credentials(s_ee.Value);
        var peer = new CertificateAuthenticator(credentials, TestPki.Trust(s_root.Value));
        AuthPayload auth = peer.Sign(AuthHarness.Octets, AuthHarness.AllHashes, AuthHarness.Prf);
        return AuthHarness.Verifier(TestPki.Trust(s_root.Value), options).Verify(id, peer.LocalCertificates, auth, AuthHarness.Octets, AuthHarness.Prf);
    }
}
