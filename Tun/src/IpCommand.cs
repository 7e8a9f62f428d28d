using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;

namespace IpsecFw.Tun;

/// <summary>
/// Configures interfaces with iproute2's <c>ip</c> command, always with an argument list (never a shell string), and
/// optionally inside a named network namespace (<c>ip -n NAME ...</c>). Every call is bounded by <see cref="Timeout"/>.
/// </summary>
/// <remarks>Control plane only: it starts a process per call. Safe for concurrent use.</remarks>
[SupportedOSPlatform("linux")]
public sealed class IpCommand
{
    /// <summary>Creates a helper for the root namespace (or <paramref name="netns"/>).</summary>
    /// <param name="netns">A namespace name from <c>ip netns</c>, or null for the caller's namespace.</param>
    /// <param name="timeout">How long one command may take; 10 seconds when null.</param>
    public IpCommand(string? netns = null, TimeSpan? timeout = null)
    {
        Netns = netns;
        Timeout = timeout ?? TimeSpan.FromSeconds(10);
    }

    /// <summary>The namespace the commands act in; null for the caller's.</summary>
    public string? Netns { get; }

    /// <summary>The longest one command may run before it is killed.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Adds <paramref name="address"/>/<paramref name="prefixLength"/> to <paramref name="device"/>.</summary>
    /// <remarks>IPv6 addresses are added with <c>nodad</c>: a TUN link has no neighbours to collide with.</remarks>
    public void AddAddress(string device, IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        string cidr = string.Create(CultureInfo.InvariantCulture, $"{address}/{prefixLength}");
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Run("-6", "address", "add", cidr, "dev", device, "nodad");
        }
        else
        {
            Run("-4", "address", "add", cidr, "dev", device);
        }
    }

    /// <summary>Sets the MTU of <paramref name="device"/>.</summary>
    public void SetMtu(string device, int mtu) =>
        Run("link", "set", "dev", device, "mtu", mtu.ToString(CultureInfo.InvariantCulture));

    /// <summary>Brings <paramref name="device"/> up.</summary>
    public void SetUp(string device) => Run("link", "set", "dev", device, "up");

    /// <summary>Routes <paramref name="destination"/> through <paramref name="device"/>.</summary>
    public void AddRoute(string device, IPNetwork destination)
    {
        string family = destination.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
        Run(family, "route", "add", destination.ToString(), "dev", device);
    }

    /// <summary>Removes the route to <paramref name="destination"/> through <paramref name="device"/>.</summary>
    public void DeleteRoute(string device, IPNetwork destination)
    {
        string family = destination.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
        Run(family, "route", "del", destination.ToString(), "dev", device);
    }

    /// <summary>Adds <paramref name="address"/>/<paramref name="prefixLength"/> to <paramref name="device"/>, or keeps it when it is there already (<c>ip address replace</c>).</summary>
    /// <remarks>IPv6 addresses with <c>nodad</c>, as <see cref="AddAddress"/>: usable at once as a route's source.</remarks>
    public void ReplaceAddress(string device, IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        string cidr = string.Create(CultureInfo.InvariantCulture, $"{address}/{prefixLength}");
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Run("-6", "address", "replace", cidr, "dev", device, "nodad");
        }
        else
        {
            Run("-4", "address", "replace", cidr, "dev", device);
        }
    }

    /// <summary>Removes <paramref name="address"/>/<paramref name="prefixLength"/> from <paramref name="device"/>.</summary>
    /// <remarks>The kernel also removes the routes whose preferred source is that address.</remarks>
    public void DeleteAddress(string device, IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        string cidr = string.Create(CultureInfo.InvariantCulture, $"{address}/{prefixLength}");
        string family = address.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
        Run(family, "address", "del", cidr, "dev", device);
    }

    /// <summary>
    /// Routes <paramref name="destination"/> through <paramref name="device"/>, replacing any route to it, with
    /// <paramref name="source"/> as the preferred source address (<c>ip route replace ... src</c>) or none when null.
    /// </summary>
    public void ReplaceRoute(string device, IPNetwork destination, IPAddress? source = null)
    {
        string family = destination.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
        if (source is null)
        {
            Run(family, "route", "replace", destination.ToString(), "dev", device);
        }
        else
        {
            Run(family, "route", "replace", destination.ToString(), "dev", device, "src", source.ToString());
        }
    }

    /// <summary>Creates a named network namespace (<c>ip netns add</c>); <see cref="Netns"/> is ignored.</summary>
    public void AddNamespace(string name) => RunRaw(["netns", "add", name]);

    /// <summary>Deletes a named network namespace (<c>ip netns delete</c>); <see cref="Netns"/> is ignored.</summary>
    public void DeleteNamespace(string name) => RunRaw(["netns", "delete", name]);

    /// <summary>Runs <c>ip [-n NETNS] ARGS...</c> and returns its standard output.</summary>
    /// <exception cref="TunException">The command could not start, failed (its standard error is in the message) or timed out.</exception>
    public string Run(params string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (Netns is null)
        {
            return RunRaw(args);
        }

        return RunRaw(["-n", Netns, .. args]);
    }

    private string RunRaw(string[] args)
    {
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        string line = "ip " + string.Join(' ', args);
        Process? process;
        try
        {
            process = Process.Start(psi);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new TunException($"Cannot run '{line}': {e.Message} (is iproute2 installed?)", e);
        }

        if (process is null)
        {
            throw new TunException($"Cannot run '{line}'.");
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(Timeout);
                throw new TunException($"'{line}' did not finish within {Timeout.TotalSeconds:0.#} s and was stopped.");
            }

            process.WaitForExit();
            string output = stdout.GetAwaiter().GetResult();
            string error = stderr.GetAwaiter().GetResult().Trim();
            if (process.ExitCode != 0)
            {
                throw new TunException($"'{line}' failed with exit code {process.ExitCode}: {error}", process.ExitCode);
            }

            return output;
        }
    }
}
