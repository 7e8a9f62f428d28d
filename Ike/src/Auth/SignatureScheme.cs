using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// A signature scheme of an RFC 7427 Digital Signature AUTH payload (method 14), identified on the wire by a DER
/// AlgorithmIdentifier. The encoder writes exactly the forms of RFC 7427 Appendix A (PSS in the corrected form without
/// the default trailerField, as strongSwan writes it); the parser is strict: only the schemes below, parameters as
/// RFC 3279 / RFC 4055 / RFC 5758 allow, no trailing bytes.
/// </summary>
internal sealed record SignatureScheme(SignatureKeyType KeyType, HashAlgorithmName Hash, RsaPadding Padding)
{
    // RFC 5758 3.2 (ecdsa-with-SHA2), RFC 4055 5 (sha*WithRSAEncryption), RFC 4055 3.1 (RSASSA-PSS, MGF1).
    private const string EcdsaSha256Oid = "1.2.840.10045.4.3.2";
    private const string EcdsaSha384Oid = "1.2.840.10045.4.3.3";
    private const string EcdsaSha512Oid = "1.2.840.10045.4.3.4";
    private const string RsaSha256Oid = "1.2.840.113549.1.1.11";
    private const string RsaSha384Oid = "1.2.840.113549.1.1.12";
    private const string RsaSha512Oid = "1.2.840.113549.1.1.13";
    private const string RsaPssOid = "1.2.840.113549.1.1.10";
    private const string Mgf1Oid = "1.2.840.113549.1.1.8";
    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";
    private const string Sha384Oid = "2.16.840.1.101.3.4.2.2";
    private const string Sha512Oid = "2.16.840.1.101.3.4.2.3";

    /// <summary>Output length of the hash in bytes (the PSS salt length).</summary>
    public int HashLength => HashLengthOf(Hash);

    /// <summary>The RFC 7427 hash algorithm number of the hash.</summary>
    public ushort HashNumber => Hash == HashAlgorithmName.SHA512 ? SignatureHash.Sha512
        : Hash == HashAlgorithmName.SHA384 ? SignatureHash.Sha384 : SignatureHash.Sha256;

    /// <summary>The scheme for a key type and an RFC 7427 hash number, or null for a hash not supported.</summary>
    public static SignatureScheme? For(SignatureKeyType keyType, ushort hashNumber, RsaPadding rsaPadding)
    {
        HashAlgorithmName? hash = hashNumber switch
        {
            SignatureHash.Sha256 => HashAlgorithmName.SHA256,
            SignatureHash.Sha384 => HashAlgorithmName.SHA384,
            SignatureHash.Sha512 => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (hash is null)
        {
            return null;
        }

        return new SignatureScheme(keyType, hash.Value, keyType == SignatureKeyType.Rsa ? rsaPadding : RsaPadding.None);
    }

    /// <summary>The DER AlgorithmIdentifier (RFC 7427 3, Appendix A).</summary>
    public byte[] EncodeAlgorithmIdentifier()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            switch (KeyType, Padding)
            {
                case (SignatureKeyType.Ecdsa, _):
                    // RFC 5758 3.2: the parameters field MUST be absent.
                    writer.WriteObjectIdentifier(Hash == HashAlgorithmName.SHA512 ? EcdsaSha512Oid
                        : Hash == HashAlgorithmName.SHA384 ? EcdsaSha384Oid : EcdsaSha256Oid);
                    break;
                case (SignatureKeyType.Rsa, RsaPadding.Pkcs1):
                    // RFC 4055 5: the parameters MUST be NULL.
                    writer.WriteObjectIdentifier(Hash == HashAlgorithmName.SHA512 ? RsaSha512Oid
                        : Hash == HashAlgorithmName.SHA384 ? RsaSha384Oid : RsaSha256Oid);
                    writer.WriteNull();
                    break;
                default:
                    writer.WriteObjectIdentifier(RsaPssOid);
                    using (writer.PushSequence())
                    {
                        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                        {
                            WriteHashAlgorithm(writer, Hash);
                        }

                        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
                        {
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier(Mgf1Oid);
                                WriteHashAlgorithm(writer, Hash);
                            }
                        }

                        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2)))
                        {
                            writer.WriteInteger(HashLength);
                        }
                    }

                    break;
            }
        }

        return writer.Encode();
    }

    /// <summary>
    /// Parses an AlgorithmIdentifier strictly. PSS is accepted only with a SHA-2 hash, MGF1 with the same hash, a salt
    /// as long as the hash and the trailerField absent or 1 (the form printed in RFC 7427 A.4.3 carries it).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> der, [NotNullWhen(true)] out SignatureScheme? scheme)
    {
        scheme = null;
        try
        {
            var outer = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            AsnReader seq = outer.ReadSequence();
            if (outer.HasData)
            {
                return false;
            }

            string oid = seq.ReadObjectIdentifier();
            switch (oid)
            {
                case EcdsaSha256Oid or EcdsaSha384Oid or EcdsaSha512Oid:
                    if (seq.HasData)
                    {
                        return false;
                    }

                    scheme = new SignatureScheme(SignatureKeyType.Ecdsa,
                        oid == EcdsaSha256Oid ? HashAlgorithmName.SHA256 : oid == EcdsaSha384Oid ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA512,
                        RsaPadding.None);
                    return true;
                case RsaSha256Oid or RsaSha384Oid or RsaSha512Oid:
                    seq.ReadNull();
                    if (seq.HasData)
                    {
                        return false;
                    }

                    scheme = new SignatureScheme(SignatureKeyType.Rsa,
                        oid == RsaSha256Oid ? HashAlgorithmName.SHA256 : oid == RsaSha384Oid ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA512,
                        RsaPadding.Pkcs1);
                    return true;
                case RsaPssOid:
                    return TryParsePss(seq, out scheme);
                default:
                    return false;
            }
        }
        catch (AsnContentException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The hash length of a SHA-2 algorithm.</summary>
    public static int HashLengthOf(HashAlgorithmName hash) =>
        hash == HashAlgorithmName.SHA512 ? 64 : hash == HashAlgorithmName.SHA384 ? 48 : 32;

    private static bool TryParsePss(AsnReader seq, out SignatureScheme? scheme)
    {
        scheme = null;

        // RFC 4055 3.1: RSASSA-PSS-params; every field has a SHA-1 default, which is refused here, so the hash, the MGF
        // and the salt length must all be present.
        AsnReader p = seq.ReadSequence();
        if (seq.HasData)
        {
            return false;
        }

        AsnReader hashField = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
        if (!TryReadHashAlgorithm(hashField, out HashAlgorithmName hash) || hashField.HasData)
        {
            return false;
        }

        AsnReader mgfField = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1));
        AsnReader mgf = mgfField.ReadSequence();
        if (mgfField.HasData || mgf.ReadObjectIdentifier() != Mgf1Oid
            || !TryReadHashAlgorithm(mgf, out HashAlgorithmName mgfHash) || mgf.HasData || mgfHash != hash)
        {
            return false;
        }

        AsnReader saltField = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 2));
        if (!saltField.TryReadInt32(out int salt) || saltField.HasData || salt != HashLengthOf(hash))
        {
            return false;
        }

        if (p.HasData)
        {
            AsnReader trailerField = p.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 3));
            if (!trailerField.TryReadInt32(out int trailer) || trailer != 1 || trailerField.HasData || p.HasData)
            {
                return false;
            }
        }

        scheme = new SignatureScheme(SignatureKeyType.Rsa, hash, RsaPadding.Pss);
        return true;
    }

    private static void WriteHashAlgorithm(AsnWriter writer, HashAlgorithmName hash)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(hash == HashAlgorithmName.SHA512 ? Sha512Oid : hash == HashAlgorithmName.SHA384 ? Sha384Oid : Sha256Oid);
            writer.WriteNull();
        }
    }

    // RFC 4055 2.1: the hash parameters are NULL or absent; both must be accepted.
    private static bool TryReadHashAlgorithm(AsnReader reader, out HashAlgorithmName hash)
    {
        hash = default;
        AsnReader alg = reader.ReadSequence();
        string oid = alg.ReadObjectIdentifier();
        if (alg.HasData)
        {
            alg.ReadNull();
            if (alg.HasData)
            {
                return false;
            }
        }

        switch (oid)
        {
            case Sha256Oid:
                hash = HashAlgorithmName.SHA256;
                return true;
            case Sha384Oid:
                hash = HashAlgorithmName.SHA384;
                return true;
            case Sha512Oid:
                hash = HashAlgorithmName.SHA512;
                return true;
            default:
                return false;
        }
    }
}
