using System.Security.Cryptography.X509Certificates;
using IpsecFw.Host.Configuration;

namespace IpsecFw.Host.Daemon;

/// <summary>Makes the <see cref="IBundleSource"/> that <c>policy.pull</c> names.</summary>
public static class BundleSources
{
    /// <summary>True when <paramref name="location"/> is a URL rather than a file path.</summary>
    public static bool IsUrl(string location) => location.Contains("://", StringComparison.Ordinal);

    /// <summary>The location as logs may show it: a URL without its query and user information, or the path.</summary>
    public static string Describe(string location) =>
        IsUrl(location) && Uri.TryCreate(location, UriKind.Absolute, out Uri? uri) ? HttpBundleSource.Describe(uri) : location;

    /// <summary>The source for a validated configuration (CA files are read here).</summary>
    public static IBundleSource Create(HostConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        PullOptions pull = config.Policy.Pull ?? throw new ArgumentException("the configuration has no policy.pull", nameof(config));
        var timeout = TimeSpan.FromSeconds(pull.TimeoutSeconds);
        if (!IsUrl(pull.Location))
        {
            return new FileBundleSource(config.ResolvePath(pull.Location));
        }

        var cas = new List<X509Certificate2>();
        foreach (string file in pull.CaCertificates)
        {
            cas.AddRange(CertificateFiles.Read(config.ResolvePath(file)));
        }

        return new HttpBundleSource(new Uri(pull.Location, UriKind.Absolute), cas, timeout);
    }
}
