namespace IpsecFw.Ike.Crypto;

/// <summary>Why an SK payload (RFC 7296 3.14) could not be protected or unprotected. Every failure is one of these, never an exception.</summary>
public enum SkError
{
    /// <summary>No failure.</summary>
    None,

    /// <summary>The SK body is shorter than IV + the smallest ciphertext + ICV.</summary>
    Truncated,

    /// <summary>The ciphertext is not a whole number of cipher blocks (CBC), or a length field does not fit.</summary>
    BadLength,

    /// <summary>The ICV (HMAC, or the AEAD tag) does not match: the message was altered or the keys are wrong.</summary>
    IntegrityFailure,

    /// <summary>The Pad Length byte points before the start of the plaintext.</summary>
    BadPadding,

    /// <summary>The outer message does not decode (see the accompanying <see cref="Messages.IkeDecodeFailure"/>).</summary>
    MalformedMessage,

    /// <summary>The message carries no SK payload.</summary>
    NotEncrypted,

    /// <summary>The decrypted content is not a well-formed payload chain (see the accompanying decode failure), or it nests SK/SKF.</summary>
    MalformedInnerPayloads,

    /// <summary>The message to protect would exceed the 16-bit SK Payload Length or <see cref="Messages.Limits.MaxMessageLength"/>.</summary>
    MessageTooLong,

    /// <summary>A payload to protect could not be encoded (a field exceeds its wire size) or the destination is too small.</summary>
    EncodingFailed,

    /// <summary>The per-SA AEAD IV counter is exhausted: the IKE SA must be rekeyed (an IV may never repeat under one key).</summary>
    IvExhausted,
}
