using System.Text.Json;
using IpsecFw.Esp.Crypto;

namespace IpsecFw.Esp.Tests.Vectors;

/// <summary>
/// Project Wycheproof AEAD vectors (testvectors_v1) for AES-GCM and ChaCha20-Poly1305, groups with a 96-bit IV only
/// (ESP and IKEv2 nonces are salt || 8-byte IV). "valid" must seal to exactly ct || tag and open again; "invalid" must
/// be rejected by Open. Groups with other IV sizes are counted and reported as not applicable.
/// </summary>
public sealed class WycheproofAeadTests(ITestOutputHelper output)
{
    private const string Folder = "wycheproof/testvectors_v1/";

    [Theory]
    [InlineData("aes_gcm_test.json", "AES-GCM")]
    [InlineData("chacha20_poly1305_test.json", "CHACHA20-POLY1305")]
    public void Every_96_bit_IV_vector_of_the_file(string file, string algorithm)
    {
        Assert.True(AesNiGcm.IsSupported, "this test machine must have AES-NI and PCLMULQDQ");
        string path = TestData.Shared(Folder + file);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement root = document.RootElement;
        Assert.Equal(algorithm, root.GetProperty("algorithm").GetString());
        bool aes = algorithm == "AES-GCM";

        int total = 0, valid = 0, invalid = 0, acceptableOpened = 0, acceptableRejected = 0;
        int otherIvTests = 0, otherIvGroups = 0, unsupportedValid = 0, unsupportedInvalid = 0;
        var otherIvSizes = new SortedSet<int>();
        var keySizes = new SortedSet<int>();
        var tagSizes = new SortedSet<int>();
        foreach (JsonElement group in root.GetProperty("testGroups").EnumerateArray())
        {
            Assert.Equal("AeadTest", group.GetProperty("type").GetString());
            int ivSize = group.GetProperty("ivSize").GetInt32();
            int keySize = group.GetProperty("keySize").GetInt32();
            int tagSize = group.GetProperty("tagSize").GetInt32();
            JsonElement tests = group.GetProperty("tests");
            int count = tests.GetArrayLength();
            total += count;
            if (ivSize != 96)
            {
                otherIvGroups++;
                otherIvTests += count;
                otherIvSizes.Add(ivSize);
                continue;
            }

            keySizes.Add(keySize);
            tagSizes.Add(tagSize);
            foreach (JsonElement test in tests.EnumerateArray())
            {
                int tcId = test.GetProperty("tcId").GetInt32();
                string result = test.GetProperty("result").GetString()!;
                string label = $"{file} tcId {tcId} ({string.Join(",", test.GetProperty("flags").EnumerateArray().Select(f => f.GetString()))})";
                byte[] key = Hex(test, "key");
                byte[] iv = Hex(test, "iv");
                byte[] aad = Hex(test, "aad");
                byte[] msg = Hex(test, "msg");
                byte[] ct = Hex(test, "ct");
                byte[] tag = Hex(test, "tag");
                Assert.True(iv.Length * 8 == ivSize, $"{label}: IV length differs from the group's ivSize");

                using Aead? aead = Supported(aes, key.Length, tag.Length) ? Create(aes, key) : null;
                switch (result)
                {
                    case "valid" when aead is null:
                        unsupportedValid++;
                        output.WriteLine($"{label}: valid, but key {key.Length} / tag {tag.Length} bytes are not supported by the API: not run");
                        break;
                    case "valid":
                        Assert.True(key.Length * 8 == keySize && tag.Length * 8 == tagSize && ct.Length == msg.Length, $"{label}: sizes differ from the group's");
                        AeadKat.SealsAndOpens(aead, iv, aad, msg, ct, tag, label);
                        valid++;
                        break;
                    case "invalid" when aead is null:
                        // The API refuses these parameters at construction, so the input can never be accepted.
                        unsupportedInvalid++;
                        break;
                    case "invalid":
                        AeadKat.Rejects(aead, iv, aad, ct, tag, label);
                        invalid++;
                        break;
                    case "acceptable" when aead is null:
                        unsupportedValid++;
                        break;
                    case "acceptable":
                    {
                        // Legal but weak: either outcome is allowed, but an accepted input must decrypt correctly.
                        byte[] data = (byte[])ct.Clone();
                        if (aead.Open(iv, aad, data, tag))
                        {
                            AeadKat.Same(msg, data, $"{label}: opened plaintext");
                            acceptableOpened++;
                        }
                        else
                        {
                            acceptableRejected++;
                        }

                        break;
                    }

                    default:
                        Assert.Fail($"{label}: unknown result '{result}'");
                        break;
                }
            }
        }

        Assert.Equal(root.GetProperty("numberOfTests").GetInt32(), total);
        Assert.True(valid > 0 && invalid > 0, "no valid or no invalid 96-bit-IV vector ran");
        Assert.Equal(total, valid + invalid + acceptableOpened + acceptableRejected + unsupportedValid + unsupportedInvalid + otherIvTests);

        output.WriteLine(
            $"{file}: {path}\n" +
            $"  96-bit IV ({string.Join("/", keySizes)}-bit keys, {string.Join("/", tagSizes)}-bit tags): {valid} valid sealed and opened, {invalid} invalid rejected" +
            $", {acceptableOpened + acceptableRejected} acceptable ({acceptableOpened} opened, {acceptableRejected} rejected)\n" +
            $"  unsupported key/tag size: {unsupportedValid} valid or acceptable not run, {unsupportedInvalid} invalid refused by construction\n" +
            $"  not applicable: {otherIvTests} tests in {otherIvGroups} groups with IV sizes {string.Join(", ", otherIvSizes)} bits (ESP uses 96-bit nonces only)\n" +
            $"  total {total} = numberOfTests");
    }

    private static bool Supported(bool aes, int keyLength, int tagLength) => aes
        ? keyLength is 16 or 24 or 32 && tagLength is >= 4 and <= Aead.MaxTagSize
        : keyLength == 32 && tagLength == Aead.MaxTagSize;

    private static Aead Create(bool aes, byte[] key) =>
        aes ? new AesNiGcm(key) : AeadFactory.Create(EspCipher.ChaCha20Poly1305, key);

    private static byte[] Hex(JsonElement test, string name) => Convert.FromHexString(test.GetProperty(name).GetString()!);
}
