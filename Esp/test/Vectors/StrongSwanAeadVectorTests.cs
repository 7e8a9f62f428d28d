using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using IpsecFw.Esp.Crypto;

namespace IpsecFw.Esp.Tests.Vectors;

/// <summary>
/// strongSwan's AEAD test vectors (plugins/test_vectors aes_gcm.c and chacha20poly1305.c) in the RFC 4106 / RFC 7634
/// layout its notes describe: 'key' is the cipher key followed by the 4-byte salt, the nonce is salt || 8-byte 'iv',
/// 'adata' is the AAD (absent = empty), and 'cipher' is the ciphertext followed by the ICV, whose length the alg
/// name gives (ENCR_AES_GCM_ICV8/12/16; 16 for ChaCha20-Poly1305). Only vectors with a 12-byte nonce are run.
/// </summary>
public sealed class StrongSwanAeadVectorTests(ITestOutputHelper output)
{
    [Fact]
    public void Aes_gcm_vectors_in_rfc4106_layout()
    {
        Assert.True(AesNiGcm.IsSupported, "this test machine must have AES-NI and PCLMULQDQ");
        Run("strongswan/test_vectors_aes_gcm.json", alg =>
        {
            Match m = Regex.Match(alg, @"^ENCR_AES_GCM_ICV(\d+)$");
            Assert.True(m.Success, $"unexpected alg {alg}");
            return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }, key => new AesNiGcm(key), crossCheckPlatform: true);
    }

    [Fact]
    public void Chacha20_poly1305_vectors_in_rfc7634_layout()
    {
        Run("strongswan/test_vectors_chacha20poly1305.json", alg =>
        {
            Assert.Equal("ENCR_CHACHA20_POLY1305", alg);
            return 16;
        }, key => new ChaCha20Poly1305Aead(key), crossCheckPlatform: false);
    }

    private void Run(string file, Func<string, int> icvLength, Func<byte[], Aead> create, bool crossCheckPlatform)
    {
        string path = TestData.Shared(file);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement[] vectors = document.RootElement.GetProperty("vectors").EnumerateArray().ToArray();
        var run = new List<string>();
        var notApplicable = new List<string>();
        int platformChecked = 0;
        foreach (JsonElement v in vectors)
        {
            string name = v.GetProperty("name").GetString()!;
            int keySize = v.GetProperty("key_size").GetInt32();
            int saltSize = v.GetProperty("salt_size").GetInt32();
            byte[] keyAndSalt = Hex(v, "key");
            byte[] iv = Hex(v, "iv");
            byte[] aad = v.TryGetProperty("adata", out JsonElement adata) ? Convert.FromHexString(adata.GetString()!) : [];
            byte[] plaintext = Hex(v, "plain");
            byte[] cipher = Hex(v, "cipher");
            int icv = icvLength(v.GetProperty("alg").GetString()!);

            Assert.True(keyAndSalt.Length == keySize + saltSize, $"{name}: key is not key_size + salt_size bytes");
            Assert.True(plaintext.Length == v.GetProperty("len").GetInt32(), $"{name}: plain is not len bytes");
            Assert.True(aad.Length == v.GetProperty("alen").GetInt32(), $"{name}: adata is not alen bytes");
            Assert.True(cipher.Length == plaintext.Length + icv, $"{name}: cipher is not len + ICV bytes");
            if (saltSize + iv.Length != Aead.NonceSize)
            {
                notApplicable.Add($"{name} ({saltSize}-byte salt, {iv.Length}-byte IV)");
                continue;
            }

            byte[] key = keyAndSalt[..keySize];
            byte[] nonce = [.. keyAndSalt[keySize..], .. iv];
            byte[] ciphertext = cipher[..plaintext.Length];
            byte[] tag = cipher[plaintext.Length..];
            using (Aead aead = create(key))
            {
                AeadKat.SealsAndOpens(aead, nonce, aad, plaintext, ciphertext, tag, name);
            }

            if (crossCheckPlatform && icv == 16 && key.Length is 16 or 32)
            {
                using var platform = new PlatformAesGcm(key);
                AeadKat.SealsAndOpens(platform, nonce, aad, plaintext, ciphertext, tag, name);
                platformChecked++;
            }

            run.Add($"{name} (key {keySize}, ICV {icv})");
        }

        Assert.NotEmpty(run);
        Assert.Equal(vectors.Length, run.Count + notApplicable.Count);
        output.WriteLine($"{path}\n  sealed and opened byte for byte: {run.Count}: {string.Join("; ", run)}\n" +
            (crossCheckPlatform ? $"  {platformChecked} of them (ICV 16, 128/256-bit key) also against {nameof(PlatformAesGcm)}\n" : string.Empty) +
            $"  not applicable (nonce not 12 bytes): {(notApplicable.Count == 0 ? "none" : string.Join("; ", notApplicable))}");
    }

    private static byte[] Hex(JsonElement v, string name) => Convert.FromHexString(v.GetProperty(name).GetString()!);
}
