using System.Buffers;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Events;

/// <summary>
/// The JSON-lines file (<c>events.file</c>): appended to (mode 0640 when created), flushed after each batch, reopened
/// by <see cref="Reopen"/> so that logrotate can move it and send SIGHUP, and with <c>events.maxFileBytes</c> renamed
/// to <c>FILE.1</c> when it would grow past that size. A file that cannot be opened or written is counted
/// (<c>file.failed</c>) and tried again at the next event, never thrown.
/// </summary>
internal sealed class JsonFileSink(string path, long maxBytes, string host, ILogger logger) : IEventSink
{
    private readonly ArrayBufferWriter<byte> _line = new(1024);
    private FileStream? _stream;
    private long _written;
    private long _failed;
    private long _rotated;
    private bool _loggedFailure;

    /// <inheritdoc/>
    public string Name => "file";

    /// <inheritdoc/>
    public string Description => "JSON lines to " + path;

    /// <inheritdoc/>
    public void Write(RenderedEvent e)
    {
        _line.Clear();
        JsonEventFormatter.Write(e, host, _line);
        try
        {
            _stream ??= Open();
            if (maxBytes > 0 && _stream.Length > 0 && _stream.Length + _line.WrittenCount > maxBytes)
            {
                _stream.Dispose();
                _stream = null;
                File.Move(path, path + ".1", overwrite: true);
                _rotated++;
                _stream = Open();
            }

            _stream.Write(_line.WrittenSpan);
            _written++;
            _loggedFailure = false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(ex);
        }
    }

    /// <inheritdoc/>
    public void Flush()
    {
        try
        {
            _stream?.Flush();
        }
        catch (IOException ex)
        {
            Fail(ex);
        }
    }

    /// <inheritdoc/>
    public void Reopen()
    {
        Flush();
        _stream?.Dispose();
        _stream = null;
    }

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<string, long>> ReadCounters() =>
    [
        new("written", Interlocked.Read(ref _written)),
        new("failed", Interlocked.Read(ref _failed)),
        new("rotated", Interlocked.Read(ref _rotated)),
    ];

    /// <inheritdoc/>
    public void Dispose() => Reopen();

    private FileStream Open()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 16 * 1024,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        }

        return new FileStream(path, options);
    }

    private void Fail(Exception ex)
    {
        Interlocked.Increment(ref _failed);
        _stream?.Dispose();
        _stream = null;
        if (!_loggedFailure)
        {
            _loggedFailure = true;
            EventLog.FileFailed(logger, path, ex.Message);
        }
    }
}
