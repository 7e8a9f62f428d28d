using CsCheck;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>
/// Verify must return a verdict, never throw, for any byte content of the ID, CERT and AUTH payloads: random payloads
/// and single-byte mutations of a valid exchange (CsCheck; a failure prints the seed that reproduces it).
/// </summary>
public sealed class HostileAuthInputTests
{
    private static readonly Lazy<Fixture> s_fixture = new(() => new Fixture());

    [Fact]
    public void Random_payloads_never_throw_and_never_authenticate()
    {
        Fixture f = s_fixture.Value;
        Gen<(byte, byte[], byte[][], byte, byte[])> gen = Gen.Select(Gen.Byte, Gen.Byte.Array[0, 80],
            Gen.Byte.Array[0, 700].Array[0, 10], Gen.Byte, Gen.Byte.Array[0, 600]);
        gen.Sample(t =>
        {
            (byte idType, byte[] idData, byte[][] certs, byte method, byte[] authData) = t;
            var id = new IdPayload(true, (IdType)idType, idData);
            var auth = new AuthPayload((AuthMethod)method, authData);
            List<CertPayload> payloads = certs.Select((c, i) => new CertPayload(i % 3 == 2 ? (CertEncoding)c.FirstOrDefault() : CertEncoding.X509Signature, c)).ToList();
            Assert.False(f.Verifier.Verify(id, payloads, auth, f.Octets, AuthHarness.Prf).Succeeded);
            Assert.False(f.Psk.Verify(id, payloads, auth, f.Octets, AuthHarness.Prf).Succeeded);
        }, iter: 400);
    }

    [Fact]
    public void Mutated_valid_exchanges_never_throw()
    {
        Fixture f = s_fixture.Value;
        Gen<(int, int, byte, int)> gen = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 4000], Gen.Byte[1, 255], Gen.Int[0, 3]);
        gen.Sample(t =>
        {
            (int target, int position, byte xor, int truncate) = t;
            byte[] cert = (byte[])f.Certificates[0].Data.Clone();
            byte[] authData = (byte[])f.Auth.Data.Clone();
            byte[] idData = (byte[])f.Id.Data.Clone();
            byte[] victim = target switch { 0 => cert, 1 => authData, _ => idData };
            victim[position % victim.Length] ^= xor;
            if (truncate == 0)
            {
                victim = victim[..(position % victim.Length)];
            }

            (cert, authData, idData) = target switch { 0 => (victim, authData, idData), 1 => (cert, victim, idData), _ => (cert, authData, victim) };
            var id = new IdPayload(true, f.Id.IdType, idData);
            AuthVerification result = f.Verifier.Verify(id, [new CertPayload(CertEncoding.X509Signature, cert), f.Certificates[1]],
                new AuthPayload(f.Auth.Method, authData), f.Octets, AuthHarness.Prf);
            Assert.NotNull(result.Detail);
        }, iter: 300);
    }

    [Fact]
    public void Algorithm_identifier_parser_never_throws()
    {
        Gen.Byte.Array[0, 90].Sample(der =>
        {
            _ = SignatureScheme.TryParse(der, out _);
            _ = DistinguishedName.TryFormat(der);
            _ = TrustStore.TryParseCrl(der);
        }, iter: 2000);
    }

    private sealed class Fixture
    {
        public Fixture()
        {
            Issued root = TestPki.Root();
            Issued intermediate = TestPki.Intermediate(root);
            Issued ee = TestPki.EndEntity(intermediate, kind: KeyKind.P256, crlUrl: "http://crl.example.com/x.crl");
            using LocalCredentials credentials = TestPki.Credentials(ee, [intermediate]);
            var signer = new CertificateAuthenticator(credentials, TestPki.Trust(root));
            Octets = AuthHarness.Octets;
            Auth = signer.Sign(Octets, AuthHarness.AllHashes, AuthHarness.Prf);
            Certificates = signer.LocalCertificates;
            Id = AuthHarness.IdOf(signer.LocalId);
            Verifier = AuthHarness.Verifier(TestPki.Trust(root), AuthHarness.Options(RevocationPolicy.Required, new FakeCrlFetcher()));
            Psk = new PskAuthenticator("hostile input test secret"u8, IdentityText.Parse("198.18.0.9"));
        }

        public byte[] Octets { get; }

        public AuthPayload Auth { get; }

        public IReadOnlyList<CertPayload> Certificates { get; }

        public IdPayload Id { get; }

        public CertificateAuthenticator Verifier { get; }

        public PskAuthenticator Psk { get; }
    }
}
