using System.Diagnostics;
using System.Text;

namespace BlockStore.Worker.Tests;

/// <summary>An API or worker started as its own process from the build output, with the stack's environment.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServiceProcess(Process process) => _process = process;

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>The process id, to read what it has mapped under <c>/proc</c>.</summary>
    public int Id => _process.Id;

    public static ServiceProcess Start(string project, IDictionary<string, string>? settings = null)
    {
        var dll = StackEnvironment.BuiltDll(project);
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing; build the solution first.");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var service = new ServiceProcess(process);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited) throw new InvalidOperationException($"The process exited early:\n{Tail()}");
            if (DateTime.UtcNow > until) throw new TimeoutException($"'{text}' did not appear in the log:\n{Tail()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the process to end on its own, and for its output to be read to the end; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The end of the log for a failure message, each distinct line once (its last time): a line repeated every
    /// reconciler pass, such as the report of rows other suites left without images, must not push out the rest.
    /// </summary>
    public string Tail(int chars = 6000)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<string>();
        var length = 0;
        foreach (var line in Log.Split('\n').Reverse())
        {
            if (length >= chars) break;
            if (!seen.Add(line)) continue;
            kept.Add(line);
            length += line.Length + 1;
        }
        kept.Reverse();
        return string.Join('\n', kept);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }
}
