using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using IpsecFw.Esp.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;
using Org.BouncyCastle.Crypto.Parameters;

namespace IpsecFw.Benchmarks;

/// <summary>
/// In-place AEAD encryption of one packet of <see cref="Size"/> bytes with ESP's 8-byte AAD and a 16-byte tag, one call
/// per packet, single-threaded. The same buffer is encrypted over and over (its length never changes, so the work per
/// call does not either). The nonce is fixed except for BouncyCastle, which refuses to encrypt twice under one nonce.
/// </summary>
[MemoryDiagnoser]
public class AeadSealBenchmarks
{
    private byte[] _data = [];
    private byte[] _tag = new byte[Fixtures.TagSize];
    private byte[] _bcBuffer = [];
    private byte[] _bcNonce = [];
    private ulong _bcCounter;

    private AesNiGcm _ours256 = null!;
    private AesNiGcm _ours128 = null!;
    private AesGcm _net256 = null!;
    private AesGcm _net128 = null!;
    private GcmBlockCipher _bc256 = null!;
    private ChaCha20Poly1305Aead _oursChaCha = null!;
    private ChaCha20Poly1305 _netChaCha = null!;

    [Params(64, 576, 1420, 8950)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = Fixtures.Bytes(Size, 0x66);
        _tag = new byte[Fixtures.TagSize];
        _bcBuffer = new byte[Size + Fixtures.TagSize];
        Fixtures.Bytes(Size, 0x66).CopyTo(_bcBuffer, 0);
        _bcNonce = (byte[])Fixtures.Nonce.Clone();

        _ours256 = new AesNiGcm(Fixtures.Key256);
        _ours128 = new AesNiGcm(Fixtures.Key128);
        _net256 = new AesGcm(Fixtures.Key256, Fixtures.TagSize);
        _net128 = new AesGcm(Fixtures.Key128, Fixtures.TagSize);
        _oursChaCha = new ChaCha20Poly1305Aead(Fixtures.ChaChaKey);
        _netChaCha = new ChaCha20Poly1305(Fixtures.ChaChaKey);

        // BouncyCastle as a per-packet user runs it (as its own TLS layer does per record): the key schedule and GHASH
        // tables are set up once here; each packet then calls Init with a null key (reuse), its nonce and the AAD.
        _bc256 = new GcmBlockCipher(new AesEngine());
        _bc256.Init(true, new AeadParameters(new KeyParameter(Fixtures.Key256), 128, Fixtures.Bytes(12, 0x77), Fixtures.Aad));

        SelfCheck();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours256.Dispose();
        _ours128.Dispose();
        _net256.Dispose();
        _net128.Dispose();
        _oursChaCha.Dispose();
        _netChaCha.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void DotNet_AesGcm256() => _net256.Encrypt(Fixtures.Nonce, _data, _data, _tag, Fixtures.Aad);

    [Benchmark]
    public void Ours_AesGcm256() => _ours256.Seal(Fixtures.Nonce, Fixtures.Aad, _data, _tag);

    [Benchmark]
    public void Ours_AesGcm128() => _ours128.Seal(Fixtures.Nonce, Fixtures.Aad, _data, _tag);

    [Benchmark]
    public void DotNet_AesGcm128() => _net128.Encrypt(Fixtures.Nonce, _data, _data, _tag, Fixtures.Aad);

    [Benchmark]
    public int BouncyCastle_AesGcm256()
    {
        // A fresh nonce per packet (BouncyCastle enforces it for encryption), written into a reused array.
        BinaryPrimitives.WriteUInt64BigEndian(_bcNonce.AsSpan(4), ++_bcCounter);
        _bc256.Init(true, new AeadParameters(null, 128, _bcNonce, Fixtures.Aad));
        int n = _bc256.ProcessBytes(_bcBuffer, 0, Size, _bcBuffer, 0);
        return n + _bc256.DoFinal(_bcBuffer, n);
    }

    [Benchmark]
    public void Ours_ChaCha20Poly1305() => _oursChaCha.Seal(Fixtures.Nonce, Fixtures.Aad, _data, _tag);

    [Benchmark]
    public void DotNet_ChaCha20Poly1305() => _netChaCha.Encrypt(Fixtures.Nonce, _data, _data, _tag, Fixtures.Aad);

    /// <summary>Every implementation must produce the reference output, or its timing means nothing.</summary>
    private void SelfCheck()
    {
        byte[] plain = Fixtures.Bytes(Size, 0x66);
        byte[] expected = new byte[Size];
        byte[] expectedTag = new byte[Fixtures.TagSize];

        _net256.Encrypt(Fixtures.Nonce, plain, expected, expectedTag, Fixtures.Aad);
        byte[] d = (byte[])plain.Clone();
        byte[] t = new byte[Fixtures.TagSize];
        _ours256.Seal(Fixtures.Nonce, Fixtures.Aad, d, t);
        Fixtures.Check(d.AsSpan().SequenceEqual(expected) && t.AsSpan().SequenceEqual(expectedTag), "AesNiGcm-256 seal");

        _net128.Encrypt(Fixtures.Nonce, plain, expected, expectedTag, Fixtures.Aad);
        d = (byte[])plain.Clone();
        _ours128.Seal(Fixtures.Nonce, Fixtures.Aad, d, t);
        Fixtures.Check(d.AsSpan().SequenceEqual(expected) && t.AsSpan().SequenceEqual(expectedTag), "AesNiGcm-128 seal");

        _netChaCha.Encrypt(Fixtures.Nonce, plain, expected, expectedTag, Fixtures.Aad);
        d = (byte[])plain.Clone();
        _oursChaCha.Seal(Fixtures.Nonce, Fixtures.Aad, d, t);
        Fixtures.Check(d.AsSpan().SequenceEqual(expected) && t.AsSpan().SequenceEqual(expectedTag), "ChaCha20Poly1305Aead seal");

        byte[] nonce = Fixtures.Bytes(12, 0x78);
        _net256.Encrypt(nonce, plain, expected, expectedTag, Fixtures.Aad);
        byte[] bc = new byte[Size + Fixtures.TagSize];
        plain.CopyTo(bc, 0);
        _bc256.Init(true, new AeadParameters(null, 128, nonce, Fixtures.Aad));
        int n = _bc256.ProcessBytes(bc, 0, Size, bc, 0);
        n += _bc256.DoFinal(bc, n);
        Fixtures.Check(n == Size + Fixtures.TagSize && bc.AsSpan(0, Size).SequenceEqual(expected)
            && bc.AsSpan(Size).SequenceEqual(expectedTag), "BouncyCastle GCM seal in place");
    }
}
