using System.Text.Json;
using IpsecFw.Esp.Crypto;

namespace IpsecFw.Esp.Tests.Vectors;

/// <summary>
/// Specification test cases: the GCM spec of McGrew and Viega (Appendix B, cases with a 96-bit IV) and the RFC 8439
/// AEAD_CHACHA20_POLY1305 vectors (sections 2.8.2 and A.5), as transcribed in shared/testdata/rfc.
/// </summary>
public sealed class SpecAeadVectorTests(ITestOutputHelper output)
{
    [Fact]
    public void Gcm_spec_test_cases_with_96_bit_IV()
    {
        Assert.True(AesNiGcm.IsSupported, "this test machine must have AES-NI and PCLMULQDQ");
        string path = TestData.Shared("rfc/gcm_spec_mcgrew_viega_testcases.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement[] vectors = document.RootElement.GetProperty("vectors").EnumerateArray().ToArray();

        var run = new List<int>();
        var notApplicable = new List<string>();
        int platformChecked = 0;
        foreach (JsonElement v in vectors)
        {
            int testCase = v.GetProperty("testCase").GetInt32();
            int ivBits = v.GetProperty("ivBits").GetInt32();
            int keyBits = v.GetProperty("keyBits").GetInt32();
            byte[] key = Hex(v, "key");
            byte[] iv = Hex(v, "iv");
            string label = $"GCM spec test case {testCase}";
            Assert.True(key.Length * 8 == keyBits && iv.Length * 8 == ivBits, $"{label}: key or IV length differs from keyBits/ivBits");
            if (ivBits != 96)
            {
                notApplicable.Add($"{testCase} ({ivBits}-bit IV)");
                continue;
            }

            byte[] aad = Hex(v, "aad");
            byte[] plaintext = Hex(v, "plaintext");
            byte[] ciphertext = Hex(v, "ciphertext");
            byte[] tag = Hex(v, "tag");
            using (var aead = new AesNiGcm(key))
            {
                AeadKat.SealsAndOpens(aead, iv, aad, plaintext, ciphertext, tag, label);
            }

            if (key.Length is 16 or 32)
            {
                using var platform = new PlatformAesGcm(key);
                AeadKat.SealsAndOpens(platform, iv, aad, plaintext, ciphertext, tag, label);
                platformChecked++;
            }

            run.Add(testCase);
        }

        Assert.NotEmpty(run);
        Assert.Equal(vectors.Length, run.Count + notApplicable.Count);
        output.WriteLine($"{path}\n  run against {nameof(AesNiGcm)}: test cases {string.Join(", ", run)} ({run.Count}); " +
            $"{platformChecked} with 128/256-bit keys also against {nameof(PlatformAesGcm)}\n" +
            $"  not applicable (IV not 96 bits; ESP nonces are 96 bits): {string.Join(", ", notApplicable)}");
    }

    [Fact]
    public void Rfc8439_chacha20_poly1305_aead_vectors()
    {
        string path = TestData.Shared("rfc/rfc8439_chacha20poly1305_aead.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        int run = 0;
        foreach (JsonElement v in document.RootElement.GetProperty("vectors").EnumerateArray())
        {
            string label = v.GetProperty("label").GetString()!;
            byte[] nonce = Hex(v, "nonce");
            Assert.True(nonce.Length == Aead.NonceSize, $"{label}: the nonce is not 12 bytes");
            using var aead = new ChaCha20Poly1305Aead(Hex(v, "key"));
            AeadKat.SealsAndOpens(aead, nonce, Hex(v, "aad"), Hex(v, "plaintext"), Hex(v, "ciphertext"), Hex(v, "tag"), label);
            output.WriteLine($"{label}: sealed and opened byte for byte");
            run++;
        }

        Assert.Equal(document.RootElement.GetProperty("vectors").GetArrayLength(), run);
        Assert.True(run > 0, "no vector in the file");
    }

    private static byte[] Hex(JsonElement v, string name) => Convert.FromHexString(v.GetProperty(name).GetString()!);
}
