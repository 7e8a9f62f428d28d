using System.Security.Cryptography;
using System.Text.Json;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>RFC 7427 AlgorithmIdentifier encodings: our output byte for byte, and the strict parser.</summary>
public sealed class SignatureSchemeTests
{
    // RFC 7427 Appendix A.1.2 (sha256WithRSAEncryption), A.1.3 (sha384...), A.1.4 (sha512...): OID and NULL parameters.
    private const string Sha256WithRsa = "300d06092a864886f70d01010b0500";
    private const string Sha384WithRsa = "300d06092a864886f70d01010c0500";
    private const string Sha512WithRsa = "300d06092a864886f70d01010d0500";

    // RFC 7427 Appendix A.3.2 (ecdsa-with-sha256), A.3.3 (ecdsa-with-sha384), A.3.4 (ecdsa-with-sha512): no parameters.
    private const string EcdsaSha256 = "300a06082a8648ce3d040302";
    private const string EcdsaSha384 = "300a06082a8648ce3d040303";
    private const string EcdsaSha512 = "300a06082a8648ce3d040304";

    // RFC 7427 Appendix A.4.3 (RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32) as printed, with trailerField 1, and
    // as corrected by the RFC's erratum (trailerField omitted, lengths fixed; strongSwan's test_signature_params.c carries
    // both), which is what we send.
    private const string PssSha256AsPrinted =
        "304606092a864886f70d01010a3039a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120a303020101";
    private const string PssSha256 =
        "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120";

    // RFC 7427 Appendix A.1.1 (sha1WithRSAEncryption) and A.3.1 (ecdsa-with-sha1): refused, SHA-1 is not accepted in method 14.
    private const string Sha1WithRsa = "300d06092a864886f70d0101050500";
    private const string EcdsaSha1 = "300906072a8648ce3d0401";

    public static TheoryData<string, int, int, int> Encodings() => new()
    {
        { Sha256WithRsa, 0, 2, 1 },
        { Sha384WithRsa, 0, 3, 1 },
        { Sha512WithRsa, 0, 4, 1 },
        { EcdsaSha256, 1, 2, 0 },
        { EcdsaSha384, 1, 3, 0 },
        { EcdsaSha512, 1, 4, 0 },
        { PssSha256, 0, 2, 2 },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Encodes_exactly_the_rfc_bytes_and_parses_them(string hex, int keyType, int hash, int padding)
    {
        SignatureScheme scheme = SignatureScheme.For((SignatureKeyType)keyType, (ushort)hash, (RsaPadding)padding)!;
        Assert.Equal(hex, Convert.ToHexStringLower(scheme.EncodeAlgorithmIdentifier()));
        Assert.True(SignatureScheme.TryParse(Convert.FromHexString(hex), out SignatureScheme? parsed));
        Assert.Equal(scheme, parsed);
    }

    [Fact]
    public void Pss_as_printed_in_the_rfc_is_accepted_and_variants_are_not()
    {
        Assert.True(SignatureScheme.TryParse(Convert.FromHexString(PssSha256AsPrinted), out SignatureScheme? s));
        Assert.Equal(new SignatureScheme(SignatureKeyType.Rsa, HashAlgorithmName.SHA256, RsaPadding.Pss), s);

        string[] refused =
        [
            Sha1WithRsa,
            EcdsaSha1,
            "300d06092a864886f70d01010a3000",                 // A.4.1: PSS with all-default (SHA-1) parameters
            "300b06092a864886f70d01010b",                     // sha256WithRSA without the NULL
            "300c06082a8648ce3d0403020500",                   // ecdsa-with-sha256 with a NULL
            Sha256WithRsa + "00",                             // trailing byte
            Sha256WithRsa[..^2],                              // truncated
            // PSS SHA-256 with salt 0, then with MGF1-SHA-512.
            "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020100",
            "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402030500a203020120",
            "",
        ];
        foreach (string hex in refused)
        {
            Assert.False(SignatureScheme.TryParse(Convert.FromHexString(hex), out _), hex);
        }
    }

    [Fact]
    public void StrongSwan_rsa_pss_parameter_vectors()
    {
        JsonElement root = JsonVectors.Load("strongswan/test_signature_params.json");
        int accepted = 0;
        foreach (JsonElement v in root.GetProperty("rsa_pss_parse_tests").EnumerateArray())
        {
            string hash = v.GetProperty("hash").GetString()!;
            bool sameMgf = v.GetProperty("mgf1_hash").GetString() == hash;
            bool saltIsHash = v.GetProperty("salt_len").GetString() == hash.Replace("HASH_", "HASH_SIZE_", StringComparison.Ordinal);
            bool expected = hash is "HASH_SHA256" or "HASH_SHA384" or "HASH_SHA512" && sameMgf && saltIsHash;
            byte[] der = TestData.Hex(v.GetProperty("algorithm_identifier_der").GetString()!);
            Assert.Equal(expected, SignatureScheme.TryParse(der, out SignatureScheme? scheme));
            if (expected)
            {
                Assert.Equal(RsaPadding.Pss, scheme!.Padding);
                accepted++;
            }
        }

        Assert.Equal(3, accepted);
        foreach (JsonElement v in root.GetProperty("rsa_pss_parse_invalid_tests").EnumerateArray())
        {
            Assert.False(SignatureScheme.TryParse(TestData.Hex(v.GetProperty("algorithm_identifier_der").GetString()!), out _));
        }

        // strongSwan's own encodings of the schemes we send are ours byte for byte.
        foreach (JsonElement v in root.GetProperty("rsa_pss_build_tests").EnumerateArray())
        {
            string hash = v.GetProperty("hash").GetString()!;
            if (v.GetProperty("mgf1_hash").GetString() == hash && hash is "HASH_SHA256" or "HASH_SHA512"
                && v.GetProperty("salt_len").GetString() != "0")
            {
                ushort number = hash == "HASH_SHA256" ? SignatureHash.Sha256 : SignatureHash.Sha512;
                Assert.Equal(v.GetProperty("algorithm_identifier_der").GetString(),
                    Convert.ToHexStringLower(SignatureScheme.For(SignatureKeyType.Rsa, number, RsaPadding.Pss)!.EncodeAlgorithmIdentifier()));
            }
        }
    }
}
