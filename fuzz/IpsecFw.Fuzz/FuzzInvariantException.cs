namespace IpsecFw.Fuzz;

/// <summary>
/// Thrown by a target when a parser returned a documented outcome that is nevertheless wrong (an out-of-range result,
/// a round trip that does not hold). Like any exception that escapes a target, AFL records it as a crash.
/// </summary>
internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException()
    {
    }

    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    public FuzzInvariantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
