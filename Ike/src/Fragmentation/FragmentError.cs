namespace IpsecFw.Ike.Fragmentation;

/// <summary>
/// Why an IKE message could not be fragmented, or why a received Encrypted Fragment payload (SKF, RFC 7383 2.5) was not
/// kept. Every failure is one of these, never an exception.
/// </summary>
public enum FragmentError
{
    /// <summary>No failure.</summary>
    None,

    /// <summary>The message carries no SKF payload, or SKF is not its only payload (RFC 7383 2.5).</summary>
    NotFragment,

    /// <summary>The header's Length is not the datagram's, or the SKF body does not end the datagram.</summary>
    MalformedMessage,

    /// <summary>Fragment Number is 0 or above Total Fragments (RFC 7383 2.5).</summary>
    BadFragmentNumber,

    /// <summary>Total Fragments is above the reassembler's bound on fragments.</summary>
    TooManyFragments,

    /// <summary>The fragments kept so far exceed the reassembler's bound on bytes; everything kept is discarded.</summary>
    TooLarge,

    /// <summary>The fragment's ICV does not verify, or it does not decrypt (RFC 7383 2.6: checked before it is kept).</summary>
    IntegrityFailure,

    /// <summary>A fragment with this number is already kept (RFC 7383 2.6: duplicates are ignored).</summary>
    Duplicate,

    /// <summary>Total Fragments is less than that of the fragments kept: this fragment belongs to an older fragmentation (RFC 7383 2.6).</summary>
    StaleTotal,

    /// <summary>The reassembled content is not a well-formed payload chain, or it nests SK or SKF.</summary>
    MalformedInnerPayloads,

    /// <summary>The message to fragment is too long for 65535 fragments or for <see cref="Messages.Limits.MaxMessageLength"/> once reassembled.</summary>
    MessageTooLong,

    /// <summary>The configured MTU leaves no room for any content in a fragment.</summary>
    MtuTooSmall,

    /// <summary>A payload or a fragment could not be encoded, or sealing failed (see the accompanying SK error).</summary>
    EncodingFailed,
}
