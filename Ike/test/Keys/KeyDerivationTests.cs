using System.Buffers.Binary;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Tests.Keys;

public sealed class KeyDerivationTests
{
    private static readonly byte[] s_ni = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] s_nr = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] s_gir = Enumerable.Range(7, 256).Select(i => (byte)(i * 3)).ToArray();

    [Fact]
    public void Ike_sa_keys_are_consecutive_slices_of_prf_plus_in_rfc_order_for_cbc_and_hmac()
    {
        Prf prf = Prf.Get(PrfAlgorithm.HmacSha256);
        Assert.True(AlgorithmKeySizes.TryGetEncryption(EncryptionAlgorithm.AesCbc, 128, out EncryptionKeySize encr));
        Assert.True(AlgorithmKeySizes.TryGetIntegrity(IntegrityAlgorithm.HmacSha256Bits128, out int integ));
        byte[] skeyseed = IkeSaKeys.ComputeSkeyseed(prf, s_ni, s_nr, s_gir);
        Assert.Equal(prf.Compute([.. s_ni, .. s_nr], s_gir), skeyseed);

        using IkeSaKeys keys = IkeSaKeys.Derive(prf, skeyseed, s_ni, s_nr, 0x1122334455667788, 0x99aabbccddeeff00, encr, integ);

        byte[] seed = [.. s_ni, .. s_nr, .. Be(0x1122334455667788), .. Be(0x99aabbccddeeff00)];
        byte[] stream = PrfPlus.Derive(prf, skeyseed, seed, (3 * 32) + (2 * 32) + (2 * 16));
        Assert.Equal(stream, (byte[])[.. keys.SkD, .. keys.SkAi, .. keys.SkAr, .. keys.SkEi, .. keys.SkEr, .. keys.SkPi, .. keys.SkPr]);
        Assert.Equal([32, 32, 32, 16, 16, 32, 32], new[] { keys.SkD, keys.SkAi, keys.SkAr, keys.SkEi, keys.SkEr, keys.SkPi, keys.SkPr }.Select(k => k.Length));
    }

    [Fact]
    public void Ike_sa_keys_with_aead_have_no_integrity_keys_and_carry_the_salt()
    {
        Prf prf = Prf.Get(PrfAlgorithm.HmacSha384);
        Assert.True(AlgorithmKeySizes.TryGetEncryption(EncryptionAlgorithm.AesGcm16, 256, out EncryptionKeySize encr));
        Assert.Equal(new EncryptionKeySize(32, 4, IsAead: true), encr);
        byte[] skeyseed = IkeSaKeys.ComputeSkeyseed(prf, s_ni, s_nr, s_gir);

        using IkeSaKeys keys = IkeSaKeys.Derive(prf, skeyseed, s_ni, s_nr, 1, 2, encr, 0);

        Assert.Empty(keys.SkAi);
        Assert.Empty(keys.SkAr);
        Assert.Equal(36, keys.SkEi.Length);
        byte[] stream = PrfPlus.Derive(prf, skeyseed, [.. s_ni, .. s_nr, .. Be(1), .. Be(2)], (3 * 48) + (2 * 36));
        Assert.Equal(stream[48..84], keys.SkEi);
        Assert.Equal(stream[^48..], keys.SkPr);
        Assert.Throws<ArgumentException>(() => IkeSaKeys.Derive(prf, skeyseed, s_ni, s_nr, 1, 2, encr, 32));
    }

    [Fact]
    public void Child_sa_keymat_order_with_and_without_pfs()
    {
        Prf prf = Prf.Get(PrfAlgorithm.HmacSha256);
        byte[] skD = Enumerable.Repeat((byte)0x42, 32).ToArray();
        Assert.True(AlgorithmKeySizes.TryGetEncryption(EncryptionAlgorithm.AesCbc, 256, out EncryptionKeySize cbc));

        using ChildSaKeys plain = ChildSaKeys.Derive(prf, skD, s_ni, s_nr, [], cbc, 32);
        byte[] stream = PrfPlus.Derive(prf, skD, [.. s_ni, .. s_nr], 2 * (32 + 32));
        Assert.Equal(stream[..32], plain.EncryptionInitiatorToResponder);
        Assert.Equal(stream[32..64], plain.IntegrityInitiatorToResponder);
        Assert.Equal(stream[64..96], plain.EncryptionResponderToInitiator);
        Assert.Equal(stream[96..], plain.IntegrityResponderToInitiator);

        using ChildSaKeys pfs = ChildSaKeys.Derive(prf, skD, s_ni, s_nr, s_gir, cbc, 32);
        Assert.Equal(PrfPlus.Derive(prf, skD, [.. s_gir, .. s_ni, .. s_nr], 32), pfs.EncryptionInitiatorToResponder);
    }

    [Fact]
    public void Child_sa_keymat_for_aes_gcm_is_key_and_salt_per_direction()
    {
        Prf prf = Prf.Get(PrfAlgorithm.HmacSha512);
        byte[] skD = Enumerable.Repeat((byte)0x17, 64).ToArray();
        Assert.True(AlgorithmKeySizes.TryGetEncryption(EncryptionAlgorithm.AesGcm16, 128, out EncryptionKeySize gcm));

        using ChildSaKeys keys = ChildSaKeys.Derive(prf, skD, s_ni, s_nr, [], gcm, 0);

        byte[] stream = PrfPlus.Derive(prf, skD, [.. s_ni, .. s_nr], 2 * 20);
        Assert.Equal(stream[..20], keys.EncryptionInitiatorToResponder);
        Assert.Equal(stream[20..], keys.EncryptionResponderToInitiator);
        Assert.Empty(keys.IntegrityInitiatorToResponder);
        Assert.Empty(keys.IntegrityResponderToInitiator);
    }

    [Fact]
    public void Rekeyed_ike_sa_skeyseed_uses_old_sk_d()
    {
        Prf prf = Prf.Get(PrfAlgorithm.HmacSha256);
        byte[] oldSkD = Enumerable.Repeat((byte)9, 32).ToArray();
        Assert.Equal(prf.Compute(oldSkD, [.. s_gir, .. s_ni, .. s_nr]), IkeSaKeys.ComputeRekeySkeyseed(prf, oldSkD, s_gir, s_ni, s_nr));
    }

    [Fact]
    public void Key_sizes_of_unknown_or_malformed_transforms_are_refused()
    {
        Assert.False(AlgorithmKeySizes.TryGetEncryption(EncryptionAlgorithm.AesCbc, null, out _));
        Assert.False(AlgorithmKeySizes.TryGetEncryption(EncryptionAlgorithm.AesGcm16, 100, out _));
        Assert.False(AlgorithmKeySizes.TryGetEncryption(EncryptionAlgorithm.TripleDes, null, out _));
        Assert.True(AlgorithmKeySizes.TryGetEncryption(EncryptionAlgorithm.ChaCha20Poly1305, null, out EncryptionKeySize chacha));
        Assert.Equal(36, chacha.Total);
        Assert.False(AlgorithmKeySizes.TryGetIntegrity(IntegrityAlgorithm.HmacMd5Bits96, out _));
    }

    private static byte[] Be(ulong value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }
}
