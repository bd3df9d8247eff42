<#
.SYNOPSIS
  A local chat to try things in: starts the built chat_server, N chat_client windows and chat_bot.

.DESCRIPTION
  The server and each client get a console window of their own; the bot runs in this window and
  prints its report when its half minute is over. The clients join as alice, bob, carol, ... and
  the bots chat in room "bots" (type /join bots in a client to watch them). Everything keeps
  running after the script ends: type `shutdown` in the server's window (or close it) for a
  graceful shutdown, which every client is told about.

  Build first: ChatServer.sln in Visual Studio (x64, Release), or
    msbuild ChatServer.sln /m /p:Configuration=Release /p:Platform=x64

.EXAMPLE
  .\scripts\demo.ps1
.EXAMPLE
  .\scripts\demo.ps1 -Clients 5 -Configuration Debug -Port 16000
#>
param(
  [ValidateRange(0, 26)][int]$Clients = 3,
  [ValidateSet('Release', 'Debug')][string]$Configuration = 'Release',
  # Where chat_server.exe, chat_client.exe and chat_bot.exe are (default: ChatServer.sln's output).
  [string]$BinDir = '',
  [ValidateRange(1, 65535)][int]$Port = 15410,
  [ValidateRange(0, 1000)][int]$Bots = 10,
  [ValidateRange(1, 100000)][int]$BotMessages = 60
)
$ErrorActionPreference = 'Stop'

$root = Split-Path -Parent $PSScriptRoot
if (-not $BinDir) { $BinDir = Join-Path $root "build\vs\x64\$Configuration\bin" }
$exe = @{}
foreach ($name in 'chat_server', 'chat_client', 'chat_bot') {
  $exe[$name] = Join-Path $BinDir "$name.exe"
  if (-not (Test-Path $exe[$name])) {
    throw "$($exe[$name]) not found: build ChatServer.sln ($Configuration, x64) first, or pass -BinDir"
  }
}

# True once something accepts connections on the port.
function Test-Listening([int]$port) {
  $probe = New-Object System.Net.Sockets.TcpClient
  try { $probe.Connect('127.0.0.1', $port); return $true } catch { return $false } finally { $probe.Dispose() }
}
if (Test-Listening $Port) { throw "port $Port is taken: stop what listens there, or pass -Port" }

# The server in a window of its own; flood control off, as the bots send faster than people.
Start-Process -FilePath $exe.chat_server -WorkingDirectory $BinDir -ArgumentList @(
  '--port', $Port, '--flood-rate', '0', '--whisper-bytes-per-s', '0') | Out-Null
$deadline = (Get-Date).AddSeconds(30)
while (-not (Test-Listening $Port)) {
  if ((Get-Date) -gt $deadline) { throw "chat_server did not listen on port $Port within 30 s" }
  Start-Sleep -Milliseconds 200
}
Write-Host "chat_server listens on 127.0.0.1:$Port"

$names = 'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy',
         'ken', 'lena', 'mallory', 'nick', 'olga', 'peggy', 'quinn', 'rupert', 'sybil', 'trent',
         'ursula', 'victor', 'walter', 'xena', 'yuri', 'zoe'
for ($i = 0; $i -lt $Clients; $i++) {
  Start-Process -FilePath $exe.chat_client -WorkingDirectory $BinDir -ArgumentList @(
    '--port', $Port, '--nick', $names[$i], '--wait-for-server', '30') | Out-Null
  Write-Host "chat_client joined as $($names[$i]) (its own window)"
}

if ($Bots -gt 0) {
  Write-Host "chat_bot: $Bots bots, $BotMessages messages each, in room bots ..."
  & $exe.chat_bot --port $Port --scenario fanout --room bots --clients $Bots `
    --messages $BotMessages --rate 20
  Write-Host "chat_bot exited with $LASTEXITCODE (0: every delivery checked)"
}
Write-Host "The server and clients keep running: type 'shutdown' in the server's window to end it."
