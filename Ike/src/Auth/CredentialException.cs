namespace IpsecFw.Ike.Auth;

/// <summary>
/// A credential file (certificate, private key, trust anchor, CRL) could not be used: names the file and the problem
/// in one sentence, never key material. Thrown at configuration time only, never for peer input.
/// </summary>
public sealed class CredentialException : Exception
{
    /// <summary>An error about <paramref name="path"/>.</summary>
    public CredentialException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>An error with a message only.</summary>
    public CredentialException()
        : this(string.Empty, "credential error")
    {
    }

    /// <summary>An error with a message only.</summary>
    public CredentialException(string message)
        : this(string.Empty, message)
    {
    }

    /// <summary>An error with a message and a cause.</summary>
    public CredentialException(string message, Exception innerException)
        : this(string.Empty, message, innerException)
    {
    }

    /// <summary>The file concerned (empty when none).</summary>
    public string Path { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
