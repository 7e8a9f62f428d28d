namespace IpsecFw.Spd.Language;

/// <summary>
/// Unwinds the parser to the end of the current statement after a syntax error has been reported. It never leaves
/// <see cref="Parser"/>: <see cref="Parser.Parse"/> catches it and resynchronises.
/// </summary>
internal sealed class ParseException : Exception
{
    public ParseException()
    {
    }

    public ParseException(string message)
        : base(message)
    {
    }

    public ParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
