using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// Certificate authentication of IKE_AUTH (<see cref="CertificateAuthenticator.Verify"/>): chain building and
/// validation against a fixed trust anchor (<see cref="FuzzPki"/>), the identity check of ID against the end entity,
/// and the AUTH signature over fixed signed octets; each CERT also goes through <c>CertificateInfo.TryParse</c>.
/// Input: ID type (1), ID data (8-bit length + bytes), AUTH method (1), AUTH data (16-bit length + bytes), then up to
/// 10 CERT payloads: encoding (1), data (16-bit length + bytes). Verify must give a verdict with a reason, never an
/// exception, and a success must name a peer and have at least one certificate that parses.
/// </summary>
internal sealed class CertificateChainFuzzer : IFuzzer
{
    private const int MaxCertificates = 10;

    private static readonly Lazy<CertificateAuthenticator> s_verifier =
        new(() => new CertificateAuthenticator(FuzzPki.VerifierCredentials(), FuzzPki.Value.Trust, FuzzPki.Options()));

    public string Name => "CertificateChain";

    public string Description => "Ike: CertificateAuthenticator.Verify (CERT chain, ID, AUTH) and CertificateInfo.TryParse";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        var reader = new InputReader(input);
        var id = new IdPayload(true, (IdType)reader.Byte(), reader.Block8().ToArray());
        var method = (AuthMethod)reader.Byte();
        var auth = new AuthPayload(method, reader.Block16().ToArray());
        var certificates = new List<CertPayload>();
        bool anyParses = false;
        while (!reader.IsEmpty && certificates.Count < MaxCertificates)
        {
            var encoding = (CertEncoding)reader.Byte();
            byte[] data = reader.Block16().ToArray();
            certificates.Add(new CertPayload(encoding, data));
            if (CertificateInfo.TryParse(data, out CertificateInfo? info))
            {
                anyParses = true;
                _ = info!.SubjectText;
                info.CreatePublicKey()?.Dispose();
            }
        }

        AuthVerification result = s_verifier.Value.Verify(id, certificates, auth, FuzzPki.Octets, FuzzPki.Prf);
        if (result.Detail is null)
        {
            throw new FuzzInvariantException($"verdict {result.Failure} without a detail");
        }

        if (result.Succeeded && (result.Identity is null || !anyParses))
        {
            throw new FuzzInvariantException($"accepted without an identity or a parsable certificate: {result.Detail}");
        }
    }

    /// <summary>Seeds: the valid exchange (end entity + intermediate, signed), and variants.</summary>
    public static IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        FuzzPki.Pki pki = FuzzPki.Value;
        CertificateAuthenticator signer = FuzzPki.Signer();
        AuthPayload auth = signer.Sign(FuzzPki.Octets, [2, 3, 4], FuzzPki.Prf);
        LocalIdentity id = signer.LocalId;
        byte[] Make(AuthPayload a, IEnumerable<(CertEncoding, byte[])> certs, LocalIdentity? who = null)
        {
            LocalIdentity i = who ?? id;
            var w = new InputWriter().Byte((int)i.Type).Block8(i.Data).Byte((int)a.Method).Block16(a.Data);
            foreach ((CertEncoding e, byte[] d) in certs)
            {
                w.Byte((int)e).Block16(d);
            }

            return w.ToArray();
        }

        AuthVerification check = s_verifier.Value.Verify(new IdPayload(true, id.Type, id.Data),
            [new CertPayload(CertEncoding.X509Signature, pki.EndEntityDer), new CertPayload(CertEncoding.X509Signature, pki.IntermediateDer)], auth, FuzzPki.Octets, FuzzPki.Prf);
        if (!check.Succeeded)
        {
            throw new FuzzInvariantException($"the valid seed does not verify: {check.Failure} {check.Detail}");
        }

        yield return ("valid-chain.bin", Make(auth, [(CertEncoding.X509Signature, pki.EndEntityDer), (CertEncoding.X509Signature, pki.IntermediateDer)]));
        yield return ("valid-with-root.bin", Make(auth, [(CertEncoding.X509Signature, pki.EndEntityDer), (CertEncoding.X509Signature, pki.IntermediateDer), (CertEncoding.X509Signature, pki.RootDer)]));
        yield return ("missing-intermediate.bin", Make(auth, [(CertEncoding.X509Signature, pki.EndEntityDer)]));
        yield return ("reversed-chain.bin", Make(auth, [(CertEncoding.X509Signature, pki.IntermediateDer), (CertEncoding.X509Signature, pki.EndEntityDer)]));
        yield return ("wrong-id.bin", Make(auth, [(CertEncoding.X509Signature, pki.EndEntityDer), (CertEncoding.X509Signature, pki.IntermediateDer)],
            new LocalIdentity(IdType.Fqdn, "gw2.example.com"u8.ToArray())));
        yield return ("ipv4-id.bin", Make(auth, [(CertEncoding.X509Signature, pki.EndEntityDer), (CertEncoding.X509Signature, pki.IntermediateDer)],
            new LocalIdentity(IdType.Ipv4Address, [198, 18, 0, 1])));
        yield return ("hash-and-url.bin", Make(auth, [(CertEncoding.HashAndUrlX509, new byte[40])]));
        yield return ("self-signed-root.bin", Make(auth, [(CertEncoding.X509Signature, pki.RootDer)]));
    }
}
