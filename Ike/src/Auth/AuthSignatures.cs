using System.Security.Cryptography;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// Signing and verifying the AUTH payload of the signature methods: 1 (RFC 7296 3.8, RSA PKCS#1 v1.5 over SHA-1),
/// 9/10/11 (RFC 4754: ECDSA with the curve's own hash, r||s fixed size) and 14 (RFC 7427: length octet, DER
/// AlgorithmIdentifier, signature; ECDSA signatures DER Ecdsa-Sig-Value). The crypto is the platform's (OpenSSL on
/// Linux). Stateless; the keys are used concurrently only through the platform's thread-safe one-shot calls.
/// </summary>
internal static class AuthSignatures
{
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const string P384Oid = "1.3.132.0.34";
    private const string P521Oid = "1.3.132.0.35";

    /// <summary>The largest AlgorithmIdentifier accepted in a method 14 payload (its length is one octet anyway).</summary>
    private const int MaxAlgorithmIdentifierLength = 255;

    /// <summary>The classic RFC 4754 method of an ECDSA key, or null when its curve is not P-256/384/521.</summary>
    public static AuthMethod? EcdsaMethodOf(ECDsa key)
    {
        string? oid;
        try
        {
            ECCurve curve = key.ExportParameters(false).Curve;
            oid = curve.IsNamed ? curve.Oid.Value ?? OidOfFriendlyName(curve.Oid.FriendlyName) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }

        return oid switch
        {
            P256Oid => AuthMethod.EcdsaSha256P256,
            P384Oid => AuthMethod.EcdsaSha384P384,
            P521Oid => AuthMethod.EcdsaSha512P521,
            _ => null,
        };
    }

    /// <summary>
    /// Signs <paramref name="octets"/>. With peer hashes in common: method 14 with the best common hash (SHA-512 before
    /// 384 before 256; RSA with PKCS#1 v1.5 unless <paramref name="rsaPss"/>). Without: ECDSA uses its RFC 4754 method;
    /// RSA uses method 1 (SHA-1) only when <paramref name="allowRsaSha1"/>, else method 14 with SHA-256 (see
    /// <see cref="CertificateAuthenticatorOptions.AllowRsaSha1Signing"/>).
    /// </summary>
    public static AuthPayload Sign(AsymmetricAlgorithm key, IReadOnlyList<ushort> peerHashes, bool rsaPss, bool allowRsaSha1,
        ReadOnlySpan<byte> octets)
    {
        SignatureKeyType keyType = key is RSA ? SignatureKeyType.Rsa : SignatureKeyType.Ecdsa;
        ushort? hash = BestCommonHash(peerHashes);
        if (hash is null)
        {
            if (key is ECDsa ec)
            {
                AuthMethod method = EcdsaMethodOf(ec) ?? throw new CryptographicException("The ECDSA key's curve is not P-256, P-384 or P-521.");
                HashAlgorithmName classicHash = method switch
                {
                    AuthMethod.EcdsaSha256P256 => HashAlgorithmName.SHA256,
                    AuthMethod.EcdsaSha384P384 => HashAlgorithmName.SHA384,
                    _ => HashAlgorithmName.SHA512,
                };

                // RFC 4754 7: r and s, each as long as the group order, concatenated (IEEE P1363).
                return new AuthPayload(method, ec.SignData(octets, classicHash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
            }

            if (allowRsaSha1)
            {
                // RFC 7296 3.8 method 1: PKCS#1 v1.5 over SHA-1.
                return new AuthPayload(AuthMethod.RsaDigitalSignature,
                    ((RSA)key).SignData(octets, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
            }

            hash = SignatureHash.Sha256;
        }

        SignatureScheme scheme = SignatureScheme.For(keyType, hash.Value, rsaPss ? RsaPadding.Pss : RsaPadding.Pkcs1)!;
        byte[] algorithmIdentifier = scheme.EncodeAlgorithmIdentifier();
        byte[] signature = key is RSA rsa
            ? rsa.SignData(octets, scheme.Hash, scheme.Padding == RsaPadding.Pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1)
            : ((ECDsa)key).SignData(octets, scheme.Hash, DSASignatureFormat.Rfc3279DerSequence);

        // RFC 7427 3: ASN.1 Length (1 octet) | AlgorithmIdentifier ASN.1 object | Signature Value.
        byte[] data = new byte[1 + algorithmIdentifier.Length + signature.Length];
        data[0] = (byte)algorithmIdentifier.Length;
        algorithmIdentifier.CopyTo(data, 1);
        signature.CopyTo(data, 1 + algorithmIdentifier.Length);
        return new AuthPayload(AuthMethod.DigitalSignature, data);
    }

    /// <summary>The best hash in both lists (SHA-512, then 384, then 256), or null.</summary>
    public static ushort? BestCommonHash(IReadOnlyList<ushort> peerHashes)
    {
        foreach (ushort h in (ReadOnlySpan<ushort>)[SignatureHash.Sha512, SignatureHash.Sha384, SignatureHash.Sha256])
        {
            if (peerHashes.Contains(h))
            {
                return h;
            }
        }

        return null;
    }

    /// <summary>
    /// Verifies an AUTH payload with the peer's public key. Returns <see cref="AuthFailure.None"/>,
    /// <see cref="AuthFailure.UnsupportedMethod"/> (method does not fit the key, or not accepted) or
    /// <see cref="AuthFailure.BadSignature"/>; never throws for any payload content.
    /// </summary>
    public static AuthFailure Verify(AsymmetricAlgorithm key, AuthPayload auth, ReadOnlySpan<byte> octets, bool acceptRsaSha1,
        out string reason)
    {
        try
        {
            return VerifyCore(key, auth, octets, acceptRsaSha1, out reason);
        }
        catch (CryptographicException)
        {
            reason = "the signature is malformed";
            return AuthFailure.BadSignature;
        }
    }

    private static AuthFailure VerifyCore(AsymmetricAlgorithm key, AuthPayload auth, ReadOnlySpan<byte> octets, bool acceptRsaSha1,
        out string reason)
    {
        bool ok;
        switch (auth.Method)
        {
            case AuthMethod.RsaDigitalSignature:
                if (key is not RSA rsa1)
                {
                    reason = "AUTH method 1 (RSA) does not fit its ECDSA key";
                    return AuthFailure.UnsupportedMethod;
                }

                if (!acceptRsaSha1)
                {
                    reason = "AUTH method 1 (RSA with SHA-1) is not accepted by configuration";
                    return AuthFailure.UnsupportedMethod;
                }

                ok = rsa1.VerifyData(octets, auth.Data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);
                break;
            case AuthMethod.EcdsaSha256P256 or AuthMethod.EcdsaSha384P384 or AuthMethod.EcdsaSha512P521:
                // RFC 4754 3: the method names the curve and the hash together; the key must be on that curve.
                if (key is not ECDsa ec || EcdsaMethodOf(ec) != auth.Method)
                {
                    reason = $"AUTH method {(int)auth.Method} (ECDSA) does not fit its key";
                    return AuthFailure.UnsupportedMethod;
                }

                HashAlgorithmName h = auth.Method switch
                {
                    AuthMethod.EcdsaSha256P256 => HashAlgorithmName.SHA256,
                    AuthMethod.EcdsaSha384P384 => HashAlgorithmName.SHA384,
                    _ => HashAlgorithmName.SHA512,
                };
                int fieldLength = (ec.KeySize + 7) / 8;
                ok = auth.Data.Length == 2 * fieldLength
                    && ec.VerifyData(octets, auth.Data, h, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                break;
            case AuthMethod.DigitalSignature:
                return VerifyDigitalSignature(key, auth.Data, octets, out reason);
            default:
                reason = $"AUTH method {(int)auth.Method} is not a supported signature method";
                return AuthFailure.UnsupportedMethod;
        }

        reason = ok ? "signature verified" : "the AUTH signature does not verify";
        return ok ? AuthFailure.None : AuthFailure.BadSignature;
    }

    // RFC 7427 3: the AlgorithmIdentifier must be one we accept and must fit the key (RFC 7427 4: a signature whose
    // algorithm does not match the key is an authentication failure).
    private static AuthFailure VerifyDigitalSignature(AsymmetricAlgorithm key, byte[] data, ReadOnlySpan<byte> octets, out string reason)
    {
        if (data.Length < 1 || data[0] == 0 || data[0] > MaxAlgorithmIdentifierLength || data.Length < 1 + data[0])
        {
            reason = "the RFC 7427 AlgorithmIdentifier length is invalid";
            return AuthFailure.BadSignature;
        }

        ReadOnlySpan<byte> algorithmIdentifier = data.AsSpan(1, data[0]);
        ReadOnlySpan<byte> signature = data.AsSpan(1 + data[0]);
        if (!SignatureScheme.TryParse(algorithmIdentifier, out SignatureScheme? scheme))
        {
            reason = "the RFC 7427 AlgorithmIdentifier is not a supported signature algorithm";
            return AuthFailure.UnsupportedMethod;
        }

        bool ok;
        switch (key, scheme.KeyType)
        {
            case (RSA rsa, SignatureKeyType.Rsa):
                ok = signature.Length == (rsa.KeySize + 7) / 8 && rsa.VerifyData(octets, signature, scheme.Hash,
                    scheme.Padding == RsaPadding.Pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
                break;
            case (ECDsa ec, SignatureKeyType.Ecdsa):
                if (EcdsaMethodOf(ec) is null)
                {
                    reason = "the ECDSA key's curve is not supported";
                    return AuthFailure.UnsupportedMethod;
                }

                // The platform accepts some BER (e.g. a negative s); RFC 7427 3 says DER, so it is decoded strictly here.
                byte[]? fixedSize = StrictDerToP1363(signature, (ec.KeySize + 7) / 8);
                ok = fixedSize is not null
                    && ec.VerifyData(octets, fixedSize, scheme.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                break;
            default:
                reason = $"the RFC 7427 signature algorithm ({scheme.KeyType}) does not fit the key";
                return AuthFailure.UnsupportedMethod;
        }

        reason = ok ? "signature verified" : "the AUTH signature does not verify";
        return ok ? AuthFailure.None : AuthFailure.BadSignature;
    }

    // RFC 3279 2.2.3: Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, DER, both positive, nothing after it.
    private static byte[]? StrictDerToP1363(ReadOnlySpan<byte> der, int fieldLength)
    {
        try
        {
            var outer = new System.Formats.Asn1.AsnReader(der.ToArray(), System.Formats.Asn1.AsnEncodingRules.DER);
            System.Formats.Asn1.AsnReader seq = outer.ReadSequence();
            ReadOnlySpan<byte> r = seq.ReadIntegerBytes().Span;
            ReadOnlySpan<byte> s = seq.ReadIntegerBytes().Span;
            if (outer.HasData || seq.HasData || (r[0] & 0x80) != 0 || (s[0] & 0x80) != 0)
            {
                return null;
            }

            r = r[0] == 0 && r.Length > 1 ? r[1..] : r;
            s = s[0] == 0 && s.Length > 1 ? s[1..] : s;
            if (r.Length > fieldLength || s.Length > fieldLength)
            {
                return null;
            }

            byte[] result = new byte[2 * fieldLength];
            r.CopyTo(result.AsSpan(fieldLength - r.Length));
            s.CopyTo(result.AsSpan((2 * fieldLength) - s.Length));
            return result;
        }
        catch (System.Formats.Asn1.AsnContentException)
        {
            return null;
        }
    }

    private static string? OidOfFriendlyName(string? friendlyName) => friendlyName switch
    {
        "nistP256" or "ECDSA_P256" or "secp256r1" => P256Oid,
        "nistP384" or "ECDSA_P384" or "secp384r1" => P384Oid,
        "nistP521" or "ECDSA_P521" or "secp521r1" => P521Oid,
        _ => null,
    };
}
