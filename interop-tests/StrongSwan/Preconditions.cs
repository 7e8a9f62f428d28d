using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// What the strongSwan scenarios need from the machine. Each check returns null when satisfied, or a reason starting
/// "not run:"; tests call <see cref="SkipUnlessStrongSwan"/> so that a missing tool is a skip, never a silent pass.
/// </summary>
public static class Preconditions
{
    /// <summary>Where Debian keeps strongSwan's plugins.</summary>
    public const string PluginDirectory = "/usr/lib/ipsec/plugins";

    /// <summary>Null when root, `ip`, charon, swanctl and every plugin of <see cref="CharonOptions"/> are there.</summary>
    public static string? StrongSwan()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "not run: strongSwan scenarios need Linux network namespaces";
        }

        if (Prerequisites.Root() is not null)
        {
            return "not run: strongSwan scenarios need root (network namespaces, mounts, TUN)";
        }

        if (Prerequisites.IpTool() is null)
        {
            return "not run: iproute2 (`ip`) is absent";
        }

        if (!File.Exists(StrongSwanInstance.CharonPath))
        {
            return $"not run: {StrongSwanInstance.CharonPath} is absent (install strongswan-charon; see scripts/test.sh)";
        }

        if (!File.Exists(StrongSwanInstance.SwanctlPath))
        {
            return $"not run: {StrongSwanInstance.SwanctlPath} is absent (install strongswan-swanctl)";
        }

        string[] missing = [.. new CharonOptions().PluginNames.Concat(CharonOptions.SwanctlPlugins.Split(' '))
            .Distinct()
            .Where(p => !File.Exists(Path.Combine(PluginDirectory, $"libstrongswan-{p}.so")))];
        if (missing.Length > 0)
        {
            return $"not run: strongSwan plugins missing from {PluginDirectory}: {string.Join(' ', missing)} " +
                "(kernel-libipsec: libcharon-extra-plugins; aesni/gcm/openssl: libstrongswan-standard-plugins; curve25519: libstrongswan-extra-plugins)";
        }

        return null;
    }

    /// <summary>Null when nft is there (for the NAT topology).</summary>
    public static string? Nftables() =>
        File.Exists("/usr/sbin/nft") ? null : "not run: /usr/sbin/nft is absent (install nftables)";

    /// <summary>Skips the calling test (xunit v3 dynamic skip) unless <see cref="StrongSwan"/> holds.</summary>
    public static void SkipUnlessStrongSwan()
    {
        if (StrongSwan() is { } reason)
        {
            Assert.Skip(reason);
        }
    }

    /// <summary>Skips the calling test unless the NAT topology can be built (root, ip, nft).</summary>
    public static void SkipUnlessNat()
    {
        if (Prerequisites.Root() is not null)
        {
            Assert.Skip("not run: the NAT topology needs root (network namespaces, nftables)");
        }

        if ((Prerequisites.IpTool() is null ? "not run: iproute2 (`ip`) is absent" : Nftables()) is { } reason)
        {
            Assert.Skip(reason);
        }
    }
}
