using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using IpsecFw.Esp.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using ChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace IpsecFw.Benchmarks;

/// <summary>
/// In-place AEAD verify-and-decrypt of one packet of <see cref="Size"/> bytes with ESP's 8-byte AAD, one call per
/// packet, single-threaded. Every call opens a valid packet and is checked to succeed: see <see cref="Alternating"/>
/// for how the same buffer is opened repeatedly without copying a fresh ciphertext in.
/// </summary>
[MemoryDiagnoser]
public class AeadOpenBenchmarks
{
    private Alternating _pOurs256 = null!;
    private Alternating _pOurs128 = null!;
    private Alternating _pNet256 = null!;
    private Alternating _pNet128 = null!;
    private Alternating _pBc256 = null!;
    private Alternating _pOursChaCha = null!;
    private Alternating _pNetChaCha = null!;
    private byte[] _bcBuffer = [];

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
        _ours256 = new AesNiGcm(Fixtures.Key256);
        _ours128 = new AesNiGcm(Fixtures.Key128);
        _net256 = new AesGcm(Fixtures.Key256, Fixtures.TagSize);
        _net128 = new AesGcm(Fixtures.Key128, Fixtures.TagSize);
        _oursChaCha = new ChaCha20Poly1305Aead(Fixtures.ChaChaKey);
        _netChaCha = new ChaCha20Poly1305(Fixtures.ChaChaKey);
        _bc256 = new GcmBlockCipher(new AesEngine());
        _bc256.Init(false, new AeadParameters(new KeyParameter(Fixtures.Key256), 128, Fixtures.Nonce, Fixtures.Aad));

        // Reference packets come from .NET (OpenSSL), so a wrong implementation fails its first open below.
        byte[] plain = Fixtures.Bytes(Size, 0x66);
        Action<byte[], byte[], byte[]> aes256 = (p, c, t) => _net256.Encrypt(Fixtures.Nonce, p, c, t, Fixtures.Aad);
        Action<byte[], byte[], byte[]> aes128 = (p, c, t) => _net128.Encrypt(Fixtures.Nonce, p, c, t, Fixtures.Aad);
        Action<byte[], byte[], byte[]> chacha = (p, c, t) => _netChaCha.Encrypt(Fixtures.Nonce, p, c, t, Fixtures.Aad);
        _pOurs256 = new Alternating(plain, aes256);
        _pOurs128 = new Alternating(plain, aes128);
        _pNet256 = new Alternating(plain, aes256);
        _pNet128 = new Alternating(plain, aes128);
        _pBc256 = new Alternating(plain, aes256);
        _pOursChaCha = new Alternating(plain, chacha);
        _pNetChaCha = new Alternating(plain, chacha);
        _bcBuffer = new byte[Size + Fixtures.TagSize];
        _pBc256.Data.CopyTo(_bcBuffer, 0);

        // Four opens each (two full cycles) before measuring: each must succeed and leave the original ciphertext.
        for (int i = 0; i < 4; i++)
        {
            DotNet_AesGcm256();
            Ours_AesGcm256();
            Ours_AesGcm128();
            DotNet_AesGcm128();
            BouncyCastle_AesGcm256();
            Ours_ChaCha20Poly1305();
            DotNet_ChaCha20Poly1305();
        }

        Fixtures.Check(_pOurs256.Data.AsSpan().SequenceEqual(_pNet256.Data), "AesNiGcm-256 open cycles back");
        Fixtures.Check(_bcBuffer.AsSpan(0, Size).SequenceEqual(_pNet256.Data), "BouncyCastle open cycles back");
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

    // .NET's Decrypt throws AuthenticationTagMismatchException on a bad tag, so success needs no extra check.
    [Benchmark(Baseline = true)]
    public void DotNet_AesGcm256() => _net256.Decrypt(Fixtures.Nonce, _pNet256.Data, _pNet256.NextTag(), _pNet256.Data, Fixtures.Aad);

    [Benchmark]
    public void Ours_AesGcm256()
    {
        if (!_ours256.Open(Fixtures.Nonce, Fixtures.Aad, _pOurs256.Data, _pOurs256.NextTag()))
        {
            throw new CryptographicException("AesNiGcm-256 open failed");
        }
    }

    [Benchmark]
    public void Ours_AesGcm128()
    {
        if (!_ours128.Open(Fixtures.Nonce, Fixtures.Aad, _pOurs128.Data, _pOurs128.NextTag()))
        {
            throw new CryptographicException("AesNiGcm-128 open failed");
        }
    }

    [Benchmark]
    public void DotNet_AesGcm128() => _net128.Decrypt(Fixtures.Nonce, _pNet128.Data, _pNet128.NextTag(), _pNet128.Data, Fixtures.Aad);

    [Benchmark]
    public int BouncyCastle_AesGcm256()
    {
        // Per packet: Init (key reused, as in the seal benchmark), ciphertext || tag through ProcessBytes, DoFinal
        // verifies (throws InvalidCipherTextException on a bad tag). The 16-byte tag copy is the only extra.
        _pBc256.NextTag().CopyTo(_bcBuffer, Size);
        _bc256.Init(false, new AeadParameters(null, 128, Fixtures.Nonce, Fixtures.Aad));
        int n = _bc256.ProcessBytes(_bcBuffer, 0, Size + Fixtures.TagSize, _bcBuffer, 0);
        return n + _bc256.DoFinal(_bcBuffer, n);
    }

    [Benchmark]
    public void Ours_ChaCha20Poly1305()
    {
        if (!_oursChaCha.Open(Fixtures.Nonce, Fixtures.Aad, _pOursChaCha.Data, _pOursChaCha.NextTag()))
        {
            throw new CryptographicException("ChaCha20Poly1305Aead open failed");
        }
    }

    [Benchmark]
    public void DotNet_ChaCha20Poly1305() =>
        _netChaCha.Decrypt(Fixtures.Nonce, _pNetChaCha.Data, _pNetChaCha.NextTag(), _pNetChaCha.Data, Fixtures.Aad);
}
