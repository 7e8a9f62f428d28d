namespace IpsecFw.InteropTests.Support;

/// <summary>
/// What the interop tests need from the machine. Each check returns null when satisfied, or the reason a test is
/// "not run" (reported as skipped, never as passed).
/// </summary>
public static class Prerequisites
{
    /// <summary>Debian's interpreter: its dist-packages hold python3-scapy and python3-cryptography (not a pyenv one).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<Task<string?>> s_scapy = new(() => CheckPythonModulesAsync());
    private static readonly Lazy<Task<string?>> s_tshark = new(() => CheckTsharkAsync());

    /// <summary>Null if /usr/bin/python3 imports scapy (with its IPsec layer) and cryptography.</summary>
    public static Task<string?> ScapyAsync() => s_scapy.Value;

    /// <summary>Null if tshark runs.</summary>
    public static Task<string?> TsharkAsync() => s_tshark.Value;

    /// <summary>Null if we run as root (network namespaces, packet sockets and captures need it).</summary>
    public static string? Root()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 2 && fields[2] == "0" ? null : "not run: the wire test needs root (effective uid 0) for network namespaces and packet sockets";
                }
            }
        }
        catch (IOException)
        {
        }

        return "not run: cannot read /proc/self/status to check for root";
    }

    /// <summary>The iproute2 `ip` binary, or null.</summary>
    public static string? IpTool() =>
        new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.FirstOrDefault(File.Exists);

    private static async Task<string?> CheckPythonModulesAsync()
    {
        if (!File.Exists(Python))
        {
            return $"not run: {Python} is absent (install python3, python3-scapy, python3-cryptography)";
        }

        ProcessResult r = await ProcessRunner.RunAsync(Python,
            ["-c", "import scapy.layers.ipsec, cryptography.hazmat.primitives.ciphers.aead; print(scapy.VERSION)"],
            TimeSpan.FromSeconds(60));
        return r.ExitCode == 0 ? null : $"not run: python3-scapy / python3-cryptography are not importable by {Python}: {r.StandardError.Trim()}";
    }

    private static async Task<string?> CheckTsharkAsync()
    {
        if (!File.Exists("/usr/bin/tshark"))
        {
            return "not run: /usr/bin/tshark is absent (install tshark)";
        }

        ProcessResult r = await ProcessRunner.RunAsync("/usr/bin/tshark", ["--version"], TimeSpan.FromSeconds(30));
        return r.ExitCode == 0 ? null : $"not run: tshark --version failed: {r}";
    }
}
