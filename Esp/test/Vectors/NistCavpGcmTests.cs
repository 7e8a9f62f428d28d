using System.Globalization;
using System.Text.RegularExpressions;
using IpsecFw.Esp.Crypto;

namespace IpsecFw.Esp.Tests.Vectors;

/// <summary>
/// NIST CAVP GCMVS (CAVS 14.0) AES-GCM vectors, 96-bit-IV sections only (the only nonce length ESP uses), every tag
/// length the files hold (128, 120, 112, 104, 96, 64, 32 bits). Read from Debian's python3-cryptography-vectors where it
/// is installed (full files: the other IV lengths are counted as not applicable), else from the reduced copies in
/// shared/testdata. One test per file, not one per vector, to keep the suite fast.
/// </summary>
public sealed class NistCavpGcmTests(ITestOutputHelper output)
{
    private const string SharedFolder = "pyca-cryptography-vectors/ciphers/AES/GCM/";

    [Theory]
    [InlineData("gcmEncryptExtIV128", 128)]
    [InlineData("gcmEncryptExtIV256", 256)]
    [InlineData("gcmDecrypt128", 128)]
    [InlineData("gcmDecrypt256", 256)]
    public void Every_96_bit_IV_vector_of_the_file(string name, int keyBits)
    {
        Assert.True(AesNiGcm.IsSupported, "this test machine must have AES-NI and PCLMULQDQ");
        string path = TestData.DebianVectors($"ciphers/AES/GCM/{name}.rsp", $"{SharedFolder}{name}_IVlen96.rsp");
        string text = File.ReadAllText(path);
        bool decrypt = name.StartsWith("gcmDecrypt", StringComparison.Ordinal);

        List<CavpGcmVector> all = CavpGcmParser.Parse(text);

        // Counts taken from the raw text without the parser, so a parser that drops records cannot pass.
        int rawRecords = Regex.Count(text, @"^Count = \d+\r?$", RegexOptions.Multiline);
        (int raw96Records, int raw96Fails) = CountIn96BitSections(text);
        var rawTagLengths = Regex.Matches(text, @"^\[Taglen = (\d+)\]\r?$", RegexOptions.Multiline)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToHashSet();
        Assert.Equal(rawRecords, all.Count);

        List<CavpGcmVector> applicable = all.Where(v => v.IvBits == 96).ToList();
        int notApplicable = all.Count - applicable.Count;
        Assert.NotEmpty(applicable);
        Assert.Equal(raw96Records, applicable.Count);
        Assert.Equal(raw96Fails, applicable.Count(v => v.Fail));
        Assert.Equal(rawTagLengths.Order(), applicable.Select(v => v.TagBits).Distinct().Order());

        int rejected = 0;
        int platformChecked = 0;
        foreach (CavpGcmVector v in applicable)
        {
            string label = $"{name} {v.Label}";
            CheckLengths(v, keyBits, label);
            byte[] nonce = v.Iv;

            using var aead = new AesNiGcm(v.Key);
            using PlatformAesGcm? platform = v.TagBits == 128 ? new PlatformAesGcm(v.Key) : null;
            if (!decrypt)
            {
                Assert.False(v.Fail, $"{label}: FAIL in an encrypt file");
                AeadKat.SealsAndOpens(aead, nonce, v.Aad, v.Plaintext!, v.Ciphertext, v.Tag, label);
                if (platform is not null)
                {
                    AeadKat.SealsAndOpens(platform, nonce, v.Aad, v.Plaintext!, v.Ciphertext, v.Tag, label);
                    platformChecked++;
                }
            }
            else if (v.Fail)
            {
                AeadKat.Rejects(aead, nonce, v.Aad, v.Ciphertext, v.Tag, label);
                if (platform is not null)
                {
                    AeadKat.Rejects(platform, nonce, v.Aad, v.Ciphertext, v.Tag, label);
                    platformChecked++;
                }

                rejected++;
            }
            else
            {
                AeadKat.Opens(aead, nonce, v.Aad, v.Ciphertext, v.Tag, v.Plaintext!, label);
                if (platform is not null)
                {
                    AeadKat.Opens(platform, nonce, v.Aad, v.Ciphertext, v.Tag, v.Plaintext!, label);
                    platformChecked++;
                }

                // A decrypt vector that verifies is also an encryption known answer.
                AeadKat.SealsAndOpens(aead, nonce, v.Aad, v.Plaintext!, v.Ciphertext, v.Tag, label);
            }
        }

        output.WriteLine(
            $"{name}: {path}\n" +
            $"  {applicable.Count} vectors with 96-bit IV run against {nameof(AesNiGcm)}" +
            (decrypt ? $" ({applicable.Count - rejected} verified and decrypted, {rejected} FAIL vectors rejected)" : string.Empty) + "\n" +
            $"  tag lengths (bits): {string.Join(", ", applicable.Select(v => v.TagBits).Distinct().OrderDescending())}\n" +
            $"  {platformChecked} of them (128-bit tags) cross-checked against {nameof(PlatformAesGcm)}\n" +
            (notApplicable == 0
                ? "  no sections with other IV lengths in this copy"
                : $"  {notApplicable} vectors in sections with other IV lengths ({string.Join(", ", all.Where(v => v.IvBits != 96).Select(v => v.IvBits).Distinct())} bits): not applicable (ESP uses 96-bit nonces only)"));
    }

    private static void CheckLengths(CavpGcmVector v, int keyBits, string label)
    {
        Assert.True(v.KeyBits == keyBits && v.Key.Length * 8 == keyBits, $"{label}: key length");
        Assert.True(v.Iv.Length * 8 == v.IvBits, $"{label}: IV length");
        Assert.True(v.Aad.Length * 8 == v.AadBits, $"{label}: AAD length");
        Assert.True(v.Ciphertext.Length * 8 == v.PtBits, $"{label}: CT length");
        Assert.True(v.Plaintext is null || v.Plaintext.Length * 8 == v.PtBits, $"{label}: PT length");
        Assert.True(v.Tag.Length * 8 == v.TagBits, $"{label}: tag length");
    }

    /// <summary>Records and FAIL lines in sections whose header says <c>[IVlen = 96]</c>, by plain text search.</summary>
    private static (int Records, int Fails) CountIn96BitSections(string text)
    {
        int records = 0;
        int fails = 0;
        foreach (string section in text.Split("[Keylen"))
        {
            if (section.Contains("[IVlen = 96]", StringComparison.Ordinal))
            {
                records += Regex.Count(section, @"^Count = ", RegexOptions.Multiline);
                fails += Regex.Count(section, @"^FAIL\r?$", RegexOptions.Multiline);
            }
        }

        return (records, fails);
    }
}
