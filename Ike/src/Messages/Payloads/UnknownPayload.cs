namespace IpsecFw.Ike.Messages.Payloads;

/// <summary>
/// A payload of a type we do not implement, without the critical bit (RFC 7296 2.5: skipped). Its body is kept so the
/// message can be re-encoded byte for byte and logged; <see cref="MessageRules"/> ignores it.
/// </summary>
public sealed class UnknownPayload(PayloadType type, byte[] body) : IkePayload
{
    private readonly PayloadType _type = type;

    /// <inheritdoc/>
    public override PayloadType Type => _type;

    /// <summary>The body as received.</summary>
    public byte[] Body { get; } = body;

    /// <inheritdoc/>
    public override int GetBodyLength() => Body.Length;

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = Body.Length;
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        Body.CopyTo(destination);
        return true;
    }
}
