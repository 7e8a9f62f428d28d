using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Tests.Sa;

public sealed class KeyZeroisationTests
{
    [Theory]
    [InlineData(EspCipher.AesGcm128, 20)]
    [InlineData(EspCipher.AesGcm256, 36)]
    [InlineData(EspCipher.ChaCha20Poly1305, 36)]
    public void Disposing_an_SA_zeroes_its_key_schedule_and_salt(EspCipher cipher, int keymatLength)
    {
        byte[] keymat = Enumerable.Range(1, keymatLength).Select(i => (byte)i).ToArray();
        var sa = new EspSa(new EspSaConfig { Spi = 0x777, Direction = EspDirection.Outbound, Cipher = cipher, KeyMaterial = keymat });
        var buffer = new byte[128];
        Assert.Equal(EspStatus.Ok, sa.Seal(buffer, 16, 40, 17, out _, out _));
        Assert.False(sa.KeyMaterialIsZeroedForTesting);

        sa.Dispose();

        Assert.True(sa.KeyMaterialIsZeroedForTesting);
        Assert.Equal(EspStatus.SaDisposed, sa.Seal(buffer, 16, 40, 17, out _, out _));
    }
}
