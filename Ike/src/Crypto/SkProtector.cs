using System.Buffers.Binary;
using System.Security.Cryptography;
using IpsecFw.Esp;
using IpsecFw.Esp.Crypto;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Crypto;

// RFC 7296 3.14: the SK body is IV || encrypt(payloads || padding || Pad Length) || ICV.
// - AES-CBC + HMAC (RFC 3602, RFC 4868): random IV per message; the ICV is the truncated HMAC over the whole message
//   from the first byte of the IKE header to the last byte before the ICV (RFC 7296 3.14), checked before decryption.
// - AES-GCM-16 (RFC 5282) and ChaCha20-Poly1305 (RFC 7634): nonce = 4-byte salt (end of SK_e) || 8-byte IV, the AAD is
//   everything from the IKE header to the end of the SK generic payload header (RFC 5282 5.1), the ICV is the tag.
//   Both run on the ESP engine's own AEADs (Esp/src/Crypto, chosen by AeadFactory: AES-NI/PCLMULQDQ AES-GCM where the
//   CPU has it, else the platform's; our ChaCha20-Poly1305): their key schedule is a managed field of the SA's
//   protector, where a .NET AesGcm or ChaCha20Poly1305 holds a native OpenSSL cipher context per direction per IKE SA
//   (docs/performance.md, "Memory with 1,000 SAs").

/// <summary>
/// Protects or unprotects the SK payload for one direction of an IKE SA: one instance holds SK_e (and SK_a) of the
/// messages one side sends, so an IKE SA has two (see <see cref="Create(IkeCipherSuite, IkeSaKeys, bool)"/>). AEAD IVs
/// come from a per-instance counter, so the same keys must never be given to two sending instances. Owns copies of
/// its keys and zeroes them on <see cref="Dispose"/>; keys are never logged or exposed. Failures on input are an
/// <see cref="SkError"/>, never an exception. Not safe for concurrent use (an IKE SA handles one message at a time).
/// </summary>
public sealed class SkProtector : IDisposable
{
    private readonly byte[] _salt;
    private readonly byte[] _integrityKey;
    private readonly Aead? _aead;
    private readonly Aes? _aes;
    private ulong _nextIv;
    private bool _ivExhausted;
    private bool _disposed;

    /// <summary>A protector for one direction.</summary>
    /// <param name="suite">The negotiated suite.</param>
    /// <param name="encryptionKey">SK_e of this direction: key, then for AEAD the 4-byte salt.</param>
    /// <param name="integrityKey">SK_a of this direction; empty for AEAD.</param>
    /// <exception cref="ArgumentException">A key length does not match the suite (a programming error, not input).</exception>
    public SkProtector(IkeCipherSuite suite, ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> integrityKey)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (encryptionKey.Length != suite.KeyLength + suite.SaltLength)
        {
            throw new ArgumentException($"{suite} takes {suite.KeyLength + suite.SaltLength} bytes of SK_e.", nameof(encryptionKey));
        }

        if (integrityKey.Length != suite.IntegrityKeyLength)
        {
            throw new ArgumentException($"{suite} takes {suite.IntegrityKeyLength} bytes of SK_a.", nameof(integrityKey));
        }

        Suite = suite;
        ReadOnlySpan<byte> key = encryptionKey[..suite.KeyLength];
        _salt = encryptionKey[suite.KeyLength..].ToArray();
        _integrityKey = integrityKey.ToArray();
        switch (suite.Encryption)
        {
            case EncryptionAlgorithm.AesGcm16:
                _aead = AeadFactory.Create(suite.KeyLength == 16 ? EspCipher.AesGcm128 : EspCipher.AesGcm256, key);
                break;
            case EncryptionAlgorithm.ChaCha20Poly1305:
                _aead = AeadFactory.Create(EspCipher.ChaCha20Poly1305, key);
                break;
            default:
                byte[] aesKey = key.ToArray();
                _aes = Aes.Create();
                _aes.Key = aesKey;
                CryptographicOperations.ZeroMemory(aesKey);
                break;
        }
    }

    /// <summary>The suite.</summary>
    public IkeCipherSuite Suite { get; }

    /// <summary>The AEAD's name (e.g. "AES-GCM-256 (AES-NI)"), or null for AES-CBC with HMAC. For tests and logs.</summary>
    internal string? AeadName => _aead?.Name;

    /// <summary>For tests: true once the salt and SK_a are zeroed and the AEAD (which zeroes its key) is disposed.</summary>
    internal bool KeysCleared =>
        !_salt.AsSpan().ContainsAnyExcept((byte)0) && !_integrityKey.AsSpan().ContainsAnyExcept((byte)0) && (_aead is null || _aead.IsDisposed);

    /// <summary>The counter value the next AEAD IV takes (starts at 0; set by tests to reach exhaustion).</summary>
    internal ulong NextAeadIv
    {
        get => _nextIv;
        init => _nextIv = value;
    }

    /// <summary>
    /// The protector for the messages sent by the initiator (SK_ei, SK_ai) when <paramref name="fromInitiator"/> is
    /// true, else for those sent by the responder (SK_er, SK_ar) (RFC 7296 2.14). The original initiator sends with
    /// <c>true</c> and receives with <c>false</c>; the responder the other way round.
    /// </summary>
    public static SkProtector Create(IkeCipherSuite suite, IkeSaKeys keys, bool fromInitiator)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return fromInitiator
            ? new SkProtector(suite, keys.SkEi, keys.SkAi)
            : new SkProtector(suite, keys.SkEr, keys.SkAr);
    }

    /// <summary>
    /// Encrypts <paramref name="inner"/> (an encoded payload chain) into the SK body at <paramref name="bodyOffset"/>
    /// of <paramref name="message"/>. Everything before the body (IKE header with its final Length, any payloads before
    /// SK, the SK generic header with its final Payload Length) must already be written, because it is authenticated;
    /// <paramref name="message"/> must end where the SK body ends, and the body must be
    /// <see cref="IkeCipherSuite.GetBodyLength"/> bytes. Writes IV, ciphertext and ICV.
    /// </summary>
    public bool TrySeal(Span<byte> message, int bodyOffset, ReadOnlySpan<byte> inner, out SkError error) =>
        SealCore(message, bodyOffset, inner, default, out error);

    /// <summary>As <see cref="TrySeal"/>, with a given IV (known-answer tests only) when it is not empty.</summary>
    internal bool TrySealWithIv(Span<byte> message, int bodyOffset, ReadOnlySpan<byte> explicitIv, ReadOnlySpan<byte> inner, out SkError error) =>
        SealCore(message, bodyOffset, inner, explicitIv, out error);

    /// <summary>
    /// Checks the ICV (HMAC in constant time, or the AEAD tag) of the SK body at <paramref name="bodyOffset"/>, which
    /// runs to the end of <paramref name="message"/>, then decrypts it and removes padding and Pad Length. Padding
    /// values are not checked (RFC 7296 3.14). On success <paramref name="inner"/> is the payload chain.
    /// </summary>
    public bool TryOpen(ReadOnlySpan<byte> message, int bodyOffset, out byte[] inner, out SkError error)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        inner = [];
        if (bodyOffset < 0 || bodyOffset > message.Length)
        {
            error = SkError.BadLength;
            return false;
        }

        IkeCipherSuite s = Suite;
        int bodyLength = message.Length - bodyOffset;
        if (bodyLength < s.IvLength + s.BlockSize + s.IcvLength)
        {
            error = SkError.Truncated;
            return false;
        }

        int cipherLength = bodyLength - s.IvLength - s.IcvLength;
        if (cipherLength % s.BlockSize != 0)
        {
            error = SkError.BadLength;
            return false;
        }

        int cipherOffset = bodyOffset + s.IvLength;
        int icvOffset = cipherOffset + cipherLength;
        ReadOnlySpan<byte> iv = message.Slice(bodyOffset, s.IvLength);
        ReadOnlySpan<byte> ciphertext = message.Slice(cipherOffset, cipherLength);
        ReadOnlySpan<byte> icv = message[icvOffset..];
        byte[] plaintext = new byte[cipherLength];
        if (s.IsAead)
        {
            Span<byte> nonce = stackalloc byte[IkeCipherSuite.AeadSaltLength + IkeCipherSuite.AeadIvLength];
            _salt.CopyTo(nonce);
            iv.CopyTo(nonce[IkeCipherSuite.AeadSaltLength..]);

            // The AAD is the IKE header through the SK generic header (RFC 5282 5.1). Open checks the tag in constant
            // time before it releases anything and zeroes the buffer when the tag is wrong.
            ciphertext.CopyTo(plaintext);
            if (!_aead!.Open(nonce, message[..bodyOffset], plaintext, icv))
            {
                error = SkError.IntegrityFailure;
                return false;
            }
        }
        else
        {
            Span<byte> mac = stackalloc byte[HMACSHA512.HashSizeInBytes];
            int macLength = ComputeHmac(message[(s.IcvCoversHeaders ? 0 : bodyOffset)..icvOffset], mac);
            if (macLength < s.IcvLength || !CryptographicOperations.FixedTimeEquals(mac[..s.IcvLength], icv))
            {
                error = SkError.IntegrityFailure;
                return false;
            }

            _aes!.DecryptCbc(ciphertext, iv, plaintext, PaddingMode.None);
        }

        int padLength = plaintext[^1];
        if (padLength > cipherLength - 1)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            error = SkError.BadPadding;
            return false;
        }

        inner = plaintext.AsSpan(0, cipherLength - 1 - padLength).ToArray();
        CryptographicOperations.ZeroMemory(plaintext);
        error = SkError.None;
        return true;
    }

    /// <summary>Zeroes the keys and releases the cipher objects (which zero their own copies).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_salt);
        CryptographicOperations.ZeroMemory(_integrityKey);
        _aead?.Dispose();
        _aes?.Dispose();
    }

    private bool SealCore(Span<byte> message, int bodyOffset, ReadOnlySpan<byte> inner, ReadOnlySpan<byte> explicitIv, out SkError error)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IkeCipherSuite s = Suite;
        if (bodyOffset < 0 || bodyOffset > message.Length || message.Length - bodyOffset != s.GetBodyLength(inner.Length)
            || (!explicitIv.IsEmpty && explicitIv.Length != s.IvLength))
        {
            error = SkError.BadLength;
            return false;
        }

        int paddedLength = s.GetPaddedLength(inner.Length);
        int cipherOffset = bodyOffset + s.IvLength;
        int icvOffset = cipherOffset + paddedLength;
        Span<byte> iv = message.Slice(bodyOffset, s.IvLength);
        if (!explicitIv.IsEmpty)
        {
            explicitIv.CopyTo(iv);
        }
        else if (s.IsAead)
        {
            // RFC 5282 3.1 / RFC 7634 2: the IV must never repeat under one key; a counter guarantees it.
            if (_ivExhausted)
            {
                error = SkError.IvExhausted;
                return false;
            }

            BinaryPrimitives.WriteUInt64BigEndian(iv, _nextIv);
            _ivExhausted = _nextIv == ulong.MaxValue;
            _nextIv++;
        }
        else
        {
            // RFC 7296 3.14: the CBC IV must be unpredictable, hence random per message.
            RandomNumberGenerator.Fill(iv);
        }

        // Payloads || Padding (zeros: any value is allowed) || Pad Length.
        byte[] plaintext = new byte[paddedLength];
        inner.CopyTo(plaintext);
        plaintext[^1] = (byte)(paddedLength - inner.Length - 1);
        Span<byte> ciphertext = message.Slice(cipherOffset, paddedLength);
        Span<byte> icv = message.Slice(icvOffset, s.IcvLength);
        try
        {
            if (s.IsAead)
            {
                Span<byte> nonce = stackalloc byte[IkeCipherSuite.AeadSaltLength + IkeCipherSuite.AeadIvLength];
                _salt.CopyTo(nonce);
                iv.CopyTo(nonce[IkeCipherSuite.AeadSaltLength..]);
                plaintext.CopyTo(ciphertext);
                _aead!.Seal(nonce, message[..bodyOffset], ciphertext, icv);
            }
            else
            {
                _aes!.EncryptCbc(plaintext, iv, ciphertext, PaddingMode.None);
                Span<byte> mac = stackalloc byte[HMACSHA512.HashSizeInBytes];
                ComputeHmac(message[(s.IcvCoversHeaders ? 0 : bodyOffset)..icvOffset], mac);
                mac[..s.IcvLength].CopyTo(icv);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        error = SkError.None;
        return true;
    }

    private int ComputeHmac(ReadOnlySpan<byte> data, Span<byte> destination) => Suite.Integrity switch
    {
        IntegrityAlgorithm.HmacSha256Bits128 => HMACSHA256.HashData(_integrityKey, data, destination),
        IntegrityAlgorithm.HmacSha384Bits192 => HMACSHA384.HashData(_integrityKey, data, destination),
        IntegrityAlgorithm.HmacSha512Bits256 => HMACSHA512.HashData(_integrityKey, data, destination),
#pragma warning disable CA5350 // HMAC-SHA1-96 only reads old captures in tests (IkeCipherSuite.LegacyAesCbc128HmacSha1Bits96); never negotiated.
        IntegrityAlgorithm.HmacSha1Bits96 => HMACSHA1.HashData(_integrityKey, data, destination),
#pragma warning restore CA5350
        _ => 0,
    };
}
