namespace IpsecFw.Testing;

/// <summary>
/// Where external test vectors live: <c>../shared/testdata</c> beside the repository (CI always has it; override with
/// IPSECFW_TESTDATA), and the Debian package python3-cryptography-vectors, which the test command installs.
/// A test whose vectors are absent is reported as skipped ("not run"), never as passed.
/// </summary>
internal static class TestData
{
    /// <summary>The repository root (the folder holding IpsecFw.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The shared test data folder, whether or not it exists.</summary>
    public static string SharedRoot { get; } =
        Environment.GetEnvironmentVariable("IPSECFW_TESTDATA") is { Length: > 0 } env
            ? env
            : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "testdata"));

    /// <summary>
    /// Where Debian's python3-cryptography-vectors puts its files (bookworm, 38.0.4-1); IPSECFW_DEBIAN_VECTORS overrides
    /// it, e.g. with a missing folder to run on the reduced copies under the shared folder.
    /// </summary>
    public static string DebianVectorsRoot { get; } =
        Environment.GetEnvironmentVariable("IPSECFW_DEBIAN_VECTORS") is { Length: > 0 } debian
            ? debian
            : "/usr/lib/python3/dist-packages/cryptography_vectors";

    /// <summary>The full path of a file under the shared folder; skips the calling test if it is absent.</summary>
    public static string Shared(string relativePath)
    {
        string path = Path.Combine(SharedRoot, relativePath);
        if (!File.Exists(path))
        {
            Assert.Skip($"not run: {path} is absent (the shared test data folder is missing)");
        }

        return path;
    }

    /// <summary>
    /// A file of python3-cryptography-vectors: from the Debian package where it is installed, else from the copy under
    /// the shared folder (<paramref name="sharedFallback"/>); skips the calling test if neither exists.
    /// </summary>
    public static string DebianVectors(string relativePath, string? sharedFallback = null)
    {
        string path = Path.Combine(DebianVectorsRoot, relativePath);
        if (File.Exists(path))
        {
            return path;
        }

        if (sharedFallback is not null)
        {
            string shared = Path.Combine(SharedRoot, sharedFallback);
            if (File.Exists(shared))
            {
                return shared;
            }
        }

        Assert.Skip($"not run: {path} is absent (install python3-cryptography-vectors)");
        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "IpsecFw.sln")))
            {
                return dir;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    /// <summary>Hex to bytes (test vectors).</summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Trim());
}
