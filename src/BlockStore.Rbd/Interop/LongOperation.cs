using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using BlockStore.Rbd.Handles;

namespace BlockStore.Rbd.Interop;

/// <summary>
/// Runs a blocking librbd call that takes a <c>librbd_progress_fn_t</c> on a dedicated thread,
/// forwarding progress to an <see cref="IProgress{T}"/> and turning cancellation into the
/// callback's negative return value, which makes librbd stop the operation.
/// </summary>
internal static unsafe class LongOperation
{
    internal static delegate* unmanaged[Cdecl]<ulong, ulong, IntPtr, int> Callback => &OnProgress;

    internal static Task RunAsync(
        string function, string? subject, IProgress<RbdProgress>? progress, CancellationToken cancellationToken, Func<IntPtr, int> call) =>
        Task.Factory.StartNew(
            () => Run(function, subject, progress, cancellationToken, call),
            cancellationToken,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach,
            TaskScheduler.Default);

    internal static void Run(
        string function, string? subject, IProgress<RbdProgress>? progress, CancellationToken cancellationToken, Func<IntPtr, int> call)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = new ProgressState(progress, cancellationToken);
        GCHandle handle = GCHandle.Alloc(state);
        try
        {
            int rc = call(GCHandle.ToIntPtr(handle));
            if (state.Error is { } error)
            {
                error.Throw();
            }

            RbdError.ThrowIfFailed(rc, function, subject, cancellationToken);
            state.Finish();
        }
        finally
        {
            handle.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnProgress(ulong offset, ulong total, IntPtr arg)
    {
        NativeCallback.Enter();
        try
        {
            return ((ProgressState)GCHandle.FromIntPtr(arg).Target!).Report(offset, total);
        }
        catch (Exception)
        {
            return -Errno.ECANCELED;
        }
        finally
        {
            NativeCallback.Exit();
        }
    }

    private sealed class ProgressState(IProgress<RbdProgress>? progress, CancellationToken cancellationToken)
    {
        private readonly Lock _lock = new();
        private int _lastPercent = -1;
        private ulong _total;

        public ExceptionDispatchInfo? Error { get; private set; }

        public int Report(ulong offset, ulong total)
        {
            if (cancellationToken.IsCancellationRequested || Error is not null)
            {
                return -Errno.ECANCELED;
            }

            if (progress is not null)
            {
                var value = new RbdProgress(offset, total);
                int percent = (int)value.Percent;
                bool report;
                lock (_lock)
                {
                    _total = total;
                    report = percent != _lastPercent;
                    _lastPercent = percent;
                }

                // Only whole-percent steps reach the caller; librbd reports once per object.
                if (report)
                {
                    try
                    {
                        progress.Report(value);
                    }
                    catch (Exception ex)
                    {
                        Error = ExceptionDispatchInfo.Capture(ex);
                        return -Errno.ECANCELED;
                    }
                }
            }

            return cancellationToken.IsCancellationRequested ? -Errno.ECANCELED : 0;
        }

        /// <summary>librbd's last report is for the last object started, not finished: close at 100%.</summary>
        public void Finish()
        {
            if (progress is not null && _lastPercent != 100)
            {
                progress.Report(new RbdProgress(_total, _total));
            }
        }
    }
}
