using System.Security.Cryptography;
using System.Text.Json;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>
/// Known answers for the AUTH signature formats from Project Wycheproof (../shared/testdata/wycheproof): P1363 (r||s)
/// ECDSA vectors as RFC 4754 methods 9/10/11, DER ECDSA, PKCS#1 v1.5 and PSS vectors as RFC 7427 method 14. Valid
/// signatures must verify, invalid ones (malleability, BER encodings, wrong lengths...) must be refused.
/// </summary>
public sealed class WycheproofSignatureTests
{
    [Theory]
    [InlineData("ecdsa_secp256r1_sha256_p1363_test.json", AuthMethod.EcdsaSha256P256)]
    [InlineData("ecdsa_secp384r1_sha384_p1363_test.json", AuthMethod.EcdsaSha384P384)]
    [InlineData("ecdsa_secp521r1_sha512_p1363_test.json", AuthMethod.EcdsaSha512P521)]
    public void Rfc4754_methods(string file, AuthMethod method) =>
        Run(file, sig => new AuthPayload(method, sig));

    [Theory]
    [InlineData("ecdsa_secp256r1_sha256_test.json", SignatureKeyType.Ecdsa, SignatureHash.Sha256, RsaPadding.None)]
    [InlineData("ecdsa_secp384r1_sha384_test.json", SignatureKeyType.Ecdsa, SignatureHash.Sha384, RsaPadding.None)]
    [InlineData("ecdsa_secp521r1_sha512_test.json", SignatureKeyType.Ecdsa, SignatureHash.Sha512, RsaPadding.None)]
    [InlineData("rsa_signature_2048_sha256_test.json", SignatureKeyType.Rsa, SignatureHash.Sha256, RsaPadding.Pkcs1)]
    [InlineData("rsa_pss_2048_sha256_mgf1_32_test.json", SignatureKeyType.Rsa, SignatureHash.Sha256, RsaPadding.Pss)]
    internal void Rfc7427_method(string file, SignatureKeyType keyType, ushort hash, RsaPadding padding)
    {
        byte[] algorithmIdentifier = SignatureScheme.For(keyType, hash, padding)!.EncodeAlgorithmIdentifier();
        Run(file, sig => new AuthPayload(AuthMethod.DigitalSignature, [(byte)algorithmIdentifier.Length, .. algorithmIdentifier, .. sig]));
    }

    private static void Run(string file, Func<byte[], AuthPayload> payload)
    {
        JsonElement root = JsonVectors.Load($"wycheproof/testvectors_v1/{file}");
        int valid = 0, invalid = 0;
        foreach (JsonElement group in root.GetProperty("testGroups").EnumerateArray())
        {
            byte[] spki = TestData.Hex(group.GetProperty("publicKeyDer").GetString()!);
            using AsymmetricAlgorithm key = file.StartsWith("rsa", StringComparison.Ordinal) ? RSA.Create() : ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(spki, out _);
            foreach (JsonElement test in group.GetProperty("tests").EnumerateArray())
            {
                string result = test.GetProperty("result").GetString()!;
                if (result == "acceptable")
                {
                    continue;
                }

                byte[] msg = TestData.Hex(test.GetProperty("msg").GetString()!);
                byte[] sig = TestData.Hex(test.GetProperty("sig").GetString()!);
                AuthFailure failure = AuthSignatures.Verify(key, payload(sig), msg, acceptRsaSha1: true, out string reason);
                int id = test.GetProperty("tcId").GetInt32();
                if (result == "valid")
                {
                    Assert.True(failure == AuthFailure.None, $"{file} tcId {id}: {reason}");
                    valid++;
                }
                else
                {
                    Assert.True(failure != AuthFailure.None, $"{file} tcId {id} ({test.GetProperty("comment").GetString()}) was accepted");
                    invalid++;
                }
            }
        }

        Assert.True(valid > 0 && invalid > 0);
    }
}
