using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The host's last good bundle on disk, so that a restart comes back with the last policy it accepted. In
/// <see cref="DirectoryPath"/> (root-owned): <c>last-good.bundle</c>, the accepted bundle exactly as received, and
/// <c>last-serial</c>, the last accepted serial in decimal (kept separately, so that deleting the bundle file does not
/// reopen the door to an older bundle).
/// <para>
/// Writes are atomic: each file is written to a new temporary file beside it (<c>NAME.RANDOM.tmp</c>), flushed to disk
/// (fsync) and renamed over the old one, the bundle first and then the serial. A crash leaves either the old or the new
/// file, never a torn one; a leftover temporary file was never committed and is ignored (and removed) on
/// <see cref="Load"/>. The directory itself is not fsynced (.NET has no call for it): after a power failure the rename
/// may be lost, which leaves the previous good bundle, still a correctly signed, accepted one.
/// </para>
/// <para>
/// On start, <see cref="Load"/> re-verifies the stored bundle in full (framing, key, signature, policy) except its
/// times. An expired last good bundle is still returned and should still be enforced, with
/// <see cref="BundleVerdict.IsExpired"/> and a <see cref="BundleVerdict.Warning"/>: the alternative, enforcing nothing,
/// would fail open, and refusing all traffic would cut the host off from the very administration and distribution
/// that can deliver a newer bundle. Expiry protects hosts from being handed an old bundle; it does not make the policy
/// a host already runs less good than none. Thread-safe.
/// </para>
/// </summary>
public sealed class BundleStore
{
    /// <summary>The file that holds the last accepted bundle.</summary>
    public const string BundleFileName = "last-good.bundle";

    /// <summary>The file that holds the last accepted serial.</summary>
    public const string SerialFileName = "last-serial";

    private const string TempSuffix = ".tmp";

    private readonly BundlePublicKey _trustedKey;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private ulong _lastAcceptedSerial;

    /// <summary>A store in <paramref name="directory"/> (created on the first accepted bundle).</summary>
    /// <param name="directory">Where the files live.</param>
    /// <param name="trustedKey">The signer's public key that bundles must verify under.</param>
    /// <param name="time">The clock (expiry, issue time); <see cref="TimeProvider.System"/> by default.</param>
    public BundleStore(string directory, BundlePublicKey trustedKey, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(trustedKey);
        DirectoryPath = directory;
        _trustedKey = trustedKey;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The store's directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>The full path of <see cref="BundleFileName"/>.</summary>
    public string BundlePath => Path.Combine(DirectoryPath, BundleFileName);

    /// <summary>The full path of <see cref="SerialFileName"/>.</summary>
    public string SerialPath => Path.Combine(DirectoryPath, SerialFileName);

    /// <summary>The serial of the last accepted bundle (0 before any); a new bundle needs a greater one.</summary>
    public ulong LastAcceptedSerial
    {
        get
        {
            lock (_lock)
            {
                return _lastAcceptedSerial;
            }
        }
    }

    /// <summary>
    /// On start: loads and re-verifies the last good bundle. Accepted (possibly with <see cref="BundleVerdict.IsExpired"/>
    /// and a warning), or refused: <see cref="BundleErrorKind.NoStoredBundle"/> when there is none, the verifier's
    /// reason when the file was damaged or replaced, <see cref="BundleErrorKind.Rollback"/> when it is older than the
    /// recorded serial, <see cref="BundleErrorKind.StorageFailed"/> when it cannot be read. Sets
    /// <see cref="LastAcceptedSerial"/> from the recorded serial and the bundle's.
    /// </summary>
    public BundleVerdict Load()
    {
        lock (_lock)
        {
            RemoveLeftoverTempFiles();
            string? warning = ReadRecordedSerial(out ulong recorded, out BundleError? serialError);
            if (serialError is not null)
            {
                return BundleVerdict.Refused(serialError);
            }

            _lastAcceptedSerial = Math.Max(_lastAcceptedSerial, recorded);
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(BundlePath);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return BundleVerdict.Refused(BundleErrorKind.NoStoredBundle, $"no accepted bundle is stored in '{DirectoryPath}' yet");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return BundleVerdict.Refused(BundleErrorKind.StorageFailed, $"cannot read '{BundlePath}': {e.Message}");
            }

            if (!BundleVerifier.TryAuthenticate(bytes, _trustedKey, out PolicyBundle? bundle, out BundleError? error))
            {
                return BundleVerdict.Refused(error with { Message = $"the stored bundle '{BundlePath}' is refused: {error.Message}" });
            }

            if (bundle.Serial < recorded)
            {
                return BundleVerdict.Refused(BundleErrorKind.Rollback,
                    $"the stored bundle has serial {bundle.Serial} but serial {recorded} was accepted before (see '{SerialPath}'): the stored bundle was replaced by an older one");
            }

            _lastAcceptedSerial = Math.Max(_lastAcceptedSerial, bundle.Serial);
            DateTimeOffset now = _time.GetUtcNow();
            bool expired = now >= bundle.ExpiresAt;
            string? timeWarning = expired
                ? $"the last good policy (bundle serial {bundle.Serial}) expired at {BundleVerifier.Time(bundle.ExpiresAt)}; this host keeps enforcing it until a newer bundle arrives"
                : bundle.IssuedAt > now + BundleVerifier.ClockSkew
                    ? $"the last good policy (bundle serial {bundle.Serial}) is issued at {BundleVerifier.Time(bundle.IssuedAt)}, after this host's clock ({BundleVerifier.Time(now)}); check the clock"
                    : null;
            string? combined = (warning, timeWarning) switch
            {
                (null, _) => timeWarning,
                (_, null) => warning,
                _ => warning + "; " + timeWarning,
            };
            return BundleVerifier.Compile(bundle, expired, combined);
        }
    }

    /// <summary>
    /// Verifies a received bundle (<see cref="BundleVerifier.Verify"/> with <see cref="LastAcceptedSerial"/> and the
    /// store's clock) and, when accepted, stores it atomically before returning it. A bundle that is valid but cannot
    /// be stored is refused (<see cref="BundleErrorKind.StorageFailed"/>) and must not be applied: a restart would
    /// otherwise come back with an older policy.
    /// </summary>
    public BundleVerdict Accept(ReadOnlySpan<byte> bundleBytes)
    {
        lock (_lock)
        {
            BundleVerdict verdict = BundleVerifier.Verify(bundleBytes, _trustedKey, _lastAcceptedSerial, _time.GetUtcNow());
            if (!verdict.IsAccepted)
            {
                return verdict;
            }

            ulong serial = verdict.Bundle.Serial;
            try
            {
                Directory.CreateDirectory(DirectoryPath);
                WriteAtomically(BundlePath, verdict.Bundle.Encoded);
                WriteAtomically(SerialPath, Encoding.ASCII.GetBytes(serial.ToString(CultureInfo.InvariantCulture) + "\n"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return BundleVerdict.Refused(BundleErrorKind.StorageFailed,
                    $"bundle serial {serial} is valid but could not be stored in '{DirectoryPath}' ({e.Message}); do not apply it");
            }

            _lastAcceptedSerial = serial;
            return verdict;
        }
    }

    private static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        string temp = $"{path}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}{TempSuffix}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary file is harmless: it is never read, and the next Load removes it.
        }
    }

    /// <summary>The recorded serial (0 when there is none); a warning when the file is unreadable as a number.</summary>
    private string? ReadRecordedSerial(out ulong serial, out BundleError? error)
    {
        serial = 0;
        error = null;
        string text;
        try
        {
            text = File.ReadAllText(SerialPath, Encoding.ASCII);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = new BundleError(BundleErrorKind.StorageFailed, $"cannot read '{SerialPath}': {e.Message}");
            return null;
        }

        return ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out serial)
            ? null
            : $"'{SerialPath}' does not hold a serial; the stored bundle's serial is used instead";
    }

    private void RemoveLeftoverTempFiles()
    {
        if (!Directory.Exists(DirectoryPath))
        {
            return;
        }

        try
        {
            foreach (string name in new[] { BundleFileName, SerialFileName })
            {
                foreach (string file in Directory.EnumerateFiles(DirectoryPath, name + ".*" + TempSuffix))
                {
                    TryDelete(file);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Listing failed: the leftovers stay, and are still never read.
        }
    }
}
