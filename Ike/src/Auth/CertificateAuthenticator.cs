using System.Security.Cryptography;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// X.509 certificate authentication (RFC 7296 2.15, 3.6–3.8; RFC 4945; RFC 4754; RFC 7427). Signs with the local
/// credentials and verifies a peer in this order: its CERT payloads parse (at most
/// <see cref="CertificateAuthenticatorOptions.MaxPeerCertificates"/>), the chain leads to a trust anchor and passes
/// RFC 5280 path validation, the ID payload matches the end-entity certificate, the AUTH signature verifies, and only
/// then revocation (which may fetch CRLs). Thread-safe; <see cref="Verify"/> never throws for peer input.
/// </summary>
public sealed class CertificateAuthenticator : IIkeAuthenticator
{
    private readonly LocalCredentials _credentials;
    private readonly CertificateAuthenticatorOptions _options;
    private readonly ChainValidator _validator;

    /// <summary>
    /// An authenticator with this side's <paramref name="credentials"/> (owned by the caller, who disposes them after
    /// this authenticator's last use) and the <paramref name="trust"/> for peers.
    /// </summary>
    public CertificateAuthenticator(LocalCredentials credentials, TrustStore trust, CertificateAuthenticatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(trust);
        _credentials = credentials;
        _options = options ?? new CertificateAuthenticatorOptions();
        _validator = new ChainValidator(trust, _options.Revocation, _options.CrlFetcher, _options.TimeProvider, new CrlCache());
        LocalCertificates = credentials.CertificateChain.Select(der => new CertPayload(CertEncoding.X509Signature, der)).ToArray();

        // RFC 7296 3.7: the Certification Authority field is the concatenated SHA-1 hashes of the anchors' SubjectPublicKeyInfo.
        byte[] hashes = new byte[trust.Anchors.Count * CertReqPayload.CaKeyHashSize];
        for (int i = 0; i < trust.Anchors.Count; i++)
        {
#pragma warning disable CA5350 // RFC 7296 3.7 fixes SHA-1 here; it identifies a key, it does not protect anything.
            SHA1.HashData(trust.Anchors[i].SubjectPublicKeyInfoDer, hashes.AsSpan(i * CertReqPayload.CaKeyHashSize));
#pragma warning restore CA5350
        }

        CertificateRequest = new CertReqPayload(CertEncoding.X509Signature, hashes);
    }

    /// <inheritdoc/>
    public LocalIdentity LocalId => _credentials.LocalId;

    /// <inheritdoc/>
    public IReadOnlyList<CertPayload> LocalCertificates { get; }

    /// <inheritdoc/>
    public CertReqPayload? CertificateRequest { get; }

    /// <inheritdoc/>
    public IReadOnlyList<ushort> SupportedSignatureHashes => SignatureHash.Supported;

    /// <inheritdoc/>
    public AuthPayload Sign(ReadOnlySpan<byte> signedOctets, IReadOnlyList<ushort> peerSignatureHashes, Prf prf)
    {
        ArgumentNullException.ThrowIfNull(peerSignatureHashes);
        return AuthSignatures.Sign(_credentials.PrivateKey, peerSignatureHashes, _options.UseRsaPss, _options.AllowRsaSha1Signing, signedOctets);
    }

    /// <inheritdoc/>
    public AuthVerification Verify(IdPayload peerId, IReadOnlyList<CertPayload> peerCertificates, AuthPayload auth,
        ReadOnlySpan<byte> signedOctets, Prf prf)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        ArgumentNullException.ThrowIfNull(peerCertificates);
        ArgumentNullException.ThrowIfNull(auth);
        try
        {
            return VerifyCore(peerId, peerCertificates, auth, signedOctets);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Defence in depth: every step below already turns hostile input into a failure.
            return AuthVerification.Fail(AuthFailure.MalformedCertificate,
                $"Peer {PeerIdentities.Describe(peerId.IdType, peerId.Data)}: verification failed on malformed input ({e.GetType().Name}).");
        }
    }

    private AuthVerification VerifyCore(IdPayload peerId, IReadOnlyList<CertPayload> peerCertificates, AuthPayload auth,
        ReadOnlySpan<byte> signedOctets)
    {
        string who = PeerIdentities.Describe(peerId.IdType, peerId.Data);

        // RFC 7296 3.6: the first X.509 certificate is the end entity; others may follow in any order. Other encodings
        // (hash and URL, raw keys) are not supported and are ignored.
        List<CertPayload> x509 = peerCertificates.Where(c => c.Encoding == CertEncoding.X509Signature).ToList();
        if (x509.Count == 0)
        {
            return AuthVerification.Fail(AuthFailure.NoCertificate, $"Peer {who} sent no X.509 certificate (CERT encoding 4).");
        }

        if (x509.Count > _options.MaxPeerCertificates)
        {
            return AuthVerification.Fail(AuthFailure.MalformedCertificate,
                $"Peer {who} sent {x509.Count} certificates; at most {_options.MaxPeerCertificates} are accepted.");
        }

        var parsed = new List<CertificateInfo>(x509.Count);
        for (int i = 0; i < x509.Count; i++)
        {
            byte[] der = x509[i].Data;
            if (der.Length > _options.MaxCertificateSize || !CertificateInfo.TryParse(der, out CertificateInfo? info))
            {
                return AuthVerification.Fail(AuthFailure.MalformedCertificate,
                    $"Peer {who}: certificate {i + 1} of {x509.Count} ({der.Length} bytes) is not a well-formed X.509 certificate.");
            }

            parsed.Add(info!);
        }

        CertificateInfo endEntity = parsed[0];
        string subject = endEntity.SubjectText;
        ChainResult chain = _validator.Validate(endEntity, parsed.Skip(1).ToList());
        if (!chain.Succeeded)
        {
            return AuthVerification.Fail(chain.Failure, $"Peer {who}: {chain.Detail}.");
        }

        // RFC 4945 3.1: the ID must be backed by the end-entity certificate.
        if (!IdentityMatcher.Matches(peerId.IdType, peerId.Data, endEntity))
        {
            return AuthVerification.Fail(AuthFailure.IdentityMismatch,
                $"Peer {who} is not named by its certificate '{subject}' (subject or subjectAltName).");
        }

        using (AsymmetricAlgorithm? key = endEntity.CreatePublicKey())
        {
            if (key is null)
            {
                return AuthVerification.Fail(AuthFailure.UnsupportedMethod, $"Peer {who}: certificate '{subject}' has a key type other than RSA or ECDSA.");
            }

            AuthFailure signature = AuthSignatures.Verify(key, auth, signedOctets, _options.AcceptRsaSha1, out string reason);
            if (signature != AuthFailure.None)
            {
                return AuthVerification.Fail(signature, $"Peer {who} with certificate '{subject}': {reason}.");
            }
        }

        using (var budget = new CancellationTokenSource(_options.CrlFetchBudget, _options.TimeProvider))
        {
            ChainResult revocation = _validator.CheckRevocation(chain, budget.Token);
            if (!revocation.Succeeded)
            {
                return AuthVerification.Fail(revocation.Failure, $"Peer {who}: {revocation.Detail}.");
            }
        }

        if (_options.ExpectedRemoteId is { } expected && !IdentityMatcher.IdsEqual(expected.Type, expected.Data, peerId.IdType, peerId.Data))
        {
            return AuthVerification.Fail(AuthFailure.NotAllowed,
                $"Peer {who} with certificate '{subject}' is not the configured remote identity {PeerIdentities.Describe(expected.Type, expected.Data)}.");
        }

        return AuthVerification.Success(endEntity.ToPeerIdentity(),
            $"Peer {who} authenticated with certificate '{subject}' issued by '{chain.Anchor!.SubjectText}' (method {(int)auth.Method}).");
    }
}
