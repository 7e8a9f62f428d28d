namespace IpsecFw.Host.Demo;

/// <summary>What <c>ipsecfw demo</c> needs from the machine: root, iproute2, sysctl, nft (each daemon installs its nftables table) and the TUN device.</summary>
internal static class DemoPrerequisites
{
    private static readonly string[] s_tools = ["ip", "sysctl", "kill", "nft"];

    /// <summary>Null when everything is there; otherwise what is missing, as one sentence.</summary>
    public static string? Missing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the demonstration runs on Linux only (network namespaces, TUN devices)";
        }

        if (!IsRoot())
        {
            return "the demonstration creates network namespaces and TUN devices and needs root: sudo ipsecfw demo";
        }

        string[] missing = [.. s_tools.Where(tool => Find(tool) is null)];
        if (missing.Length > 0)
        {
            return $"missing {string.Join(", ", missing)} (apt-get install iproute2 procps nftables)";
        }

        return File.Exists("/dev/net/tun") ? null : "/dev/net/tun is absent (modprobe tun)";
    }

    private static bool IsRoot()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 2 && fields[2] == "0";
                }
            }
        }
        catch (IOException)
        {
        }

        return false;
    }

    private static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
