using System.Text.Json;
using IpsecFw.Esp.Crypto;
using static IpsecFw.Testing.TestData;

namespace IpsecFw.Esp.Tests.Crypto;

/// <summary>Project Wycheproof's ChaCha20-Poly1305 vectors (edge cases of the Poly1305 arithmetic among them).</summary>
public sealed class ChaCha20Poly1305WycheproofTests
{
    [Fact]
    public void Every_Wycheproof_vector_seals_and_opens_as_expected()
    {
        string path = Shared("wycheproof/testvectors_v1/chacha20_poly1305_test.json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        int run = 0;
        foreach (JsonElement group in doc.RootElement.GetProperty("testGroups").EnumerateArray())
        {
            foreach (JsonElement test in group.GetProperty("tests").EnumerateArray())
            {
                string id = test.GetProperty("tcId").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
                byte[] key = Hex(test.GetProperty("key").GetString()!);
                byte[] nonce = Hex(test.GetProperty("iv").GetString()!);
                byte[] aad = Hex(test.GetProperty("aad").GetString()!);
                byte[] msg = Hex(test.GetProperty("msg").GetString()!);
                byte[] ct = Hex(test.GetProperty("ct").GetString()!);
                byte[] tag = Hex(test.GetProperty("tag").GetString()!);
                bool valid = test.GetProperty("result").GetString() == "valid";

                using var aead = new ChaCha20Poly1305Aead(key);
                var data = (byte[])ct.Clone();
                bool opened = aead.Open(nonce, aad, data, tag);
                Assert.True(valid == opened, $"tcId {id}: Open returned {opened}");
                if (valid)
                {
                    Assert.True(msg.AsSpan().SequenceEqual(data), $"tcId {id}: plaintext");
                    var sealedData = (byte[])msg.Clone();
                    var sealedTag = new byte[16];
                    aead.Seal(nonce, aad, sealedData, sealedTag);
                    Assert.True(ct.AsSpan().SequenceEqual(sealedData), $"tcId {id}: ciphertext");
                    Assert.True(tag.AsSpan().SequenceEqual(sealedTag), $"tcId {id}: tag");
                }
                else
                {
                    Assert.True(data.AsSpan().IndexOfAnyExcept((byte)0) < 0, $"tcId {id}: rejected data not zeroed");
                }

                run++;
            }
        }

        Assert.True(run > 300, $"only {run} vectors");
    }
}
