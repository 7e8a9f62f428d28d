namespace IpsecFw.Spd.Distribution;

/// <summary>Why a compiled policy, a bundle, a key file or the bundle store was refused.</summary>
public enum BundleErrorKind
{
    /// <summary>The bytes are not a well-formed compiled policy or bundle (bad magic, lengths, hash, encoding, times).</summary>
    Malformed = 1,

    /// <summary>A newer format, a newer policy compiler or an unknown signature algorithm than this host knows.</summary>
    Unsupported,

    /// <summary>The bundle carries no signature.</summary>
    Unsigned,

    /// <summary>The bundle was signed by a key other than the one this host trusts.</summary>
    UnknownKey,

    /// <summary>The signature does not verify under the trusted key: the bundle was altered or forged.</summary>
    BadSignature,

    /// <summary>The bundle's expiry has passed.</summary>
    Expired,

    /// <summary>The bundle was issued later than now plus the allowed clock skew.</summary>
    NotYetValid,

    /// <summary>The bundle's serial is not greater than the last accepted one (a rollback or a replay).</summary>
    Rollback,

    /// <summary>The policy inside a correctly signed bundle does not compile on this host.</summary>
    DoesNotCompile,

    /// <summary>A key file or key is not in the documented format.</summary>
    MalformedKey,

    /// <summary>The public key file could be changed by someone other than its owner (group- or world-writable).</summary>
    InsecureKeyFile,

    /// <summary>The bundle store holds no accepted bundle yet.</summary>
    NoStoredBundle,

    /// <summary>The bundle store could not read or write its directory.</summary>
    StorageFailed,

    /// <summary>The bundle is signed with another algorithm than the trusted key's (Ed25519 against ECDSA P-256 or back).</summary>
    WrongAlgorithm,
}
