namespace IpsecFw.Ike.Messages.Payloads;

/// <summary>
/// A decoded payload, or one to be sent. Subclasses hold the body (everything after the generic payload header,
/// RFC 7296 3.2); <see cref="MessageWriter"/> writes the header and chains Next Payload. Instances are immutable after
/// construction and may be shared between threads.
/// </summary>
public abstract class IkePayload
{
    /// <summary>The payload type that goes into the previous Next Payload field.</summary>
    public abstract PayloadType Type { get; }

    private bool _critical;

    /// <summary>The critical bit as received, or to be sent (RFC 7296 2.5: set only on payloads a peer may not know).</summary>
    public bool Critical
    {
        get => _critical;
        init => _critical = value;
    }

    /// <summary>
    /// For SK and SKF only: the type of the first payload inside, which travels in this payload's own Next Payload field
    /// (RFC 7296 3.14). <see langword="null"/> for every other payload.
    /// </summary>
    public virtual PayloadType? InnerFirstPayload => null;

    /// <summary>Length of the body, without the 4-byte generic header.</summary>
    public abstract int GetBodyLength();

    /// <summary>Length on the wire, generic header included.</summary>
    public int GetSerializedLength() => GenericPayloadHeader.Size + GetBodyLength();

    /// <summary>Sets the critical bit of a payload just decoded (before it is published).</summary>
    internal void MarkCritical() => _critical = true;

    /// <summary>Writes the body; false if <paramref name="destination"/> is too short or a field cannot be encoded.</summary>
    public abstract bool TryWriteBody(Span<byte> destination, out int written);
}
