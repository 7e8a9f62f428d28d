using System.Security.Cryptography;
using IpsecFw.Esp.Crypto;

namespace IpsecFw.Esp.Tests.Crypto;

/// <summary>Our intrinsics AES-GCM against System.Security.Cryptography.AesGcm (OpenSSL) on random inputs.</summary>
public sealed class AesNiGcmDifferentialTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    public void Matches_platform_AesGcm_for_every_length_0_to_600(int keySize)
    {
        Assert.True(AesNiGcm.IsSupported, "this test machine must have AES-NI and PCLMULQDQ");
        var rng = new Random(keySize);
        var key = new byte[keySize];
        rng.NextBytes(key);
        using var ours = new AesNiGcm(key);
        using var reference = new AesGcm(key, 16);
        var nonce = new byte[12];
        for (int len = 0; len <= 600; len++)
        {
            foreach (int aadLen in new[] { 0, 8, 12, 13, 16, 17, 150, 300 })
            {
                rng.NextBytes(nonce);
                var aad = new byte[aadLen];
                rng.NextBytes(aad);
                var plain = new byte[len];
                rng.NextBytes(plain);

                var expected = new byte[len];
                var expectedTag = new byte[16];
                reference.Encrypt(nonce, plain, expected, expectedTag, aad);

                var data = (byte[])plain.Clone();
                var tag = new byte[16];
                ours.Seal(nonce, aad, data, tag);
                Assert.Equal(expected, data);
                Assert.Equal(expectedTag, tag);

                Assert.True(ours.Open(nonce, aad, data, tag));
                Assert.Equal(plain, data);
            }
        }
    }
}
