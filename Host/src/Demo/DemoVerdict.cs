namespace IpsecFw.Host.Demo;

/// <summary>What became of a connection.</summary>
internal enum DemoVerdict
{
    /// <summary>The connection was made and the server answered.</summary>
    Allowed,

    /// <summary>No answer, or refused.</summary>
    Denied,
}
