@echo off
rem Windows 任务计划程序用：对收件文件夹运行 shenbao，每次输出到按日期时间命名的文件夹，并写日志。
rem 用法：scheduled_run.cmd 收件文件夹 结果文件夹
rem 例：scheduled_run.cmd "\\server\共享\761收件箱" "\\server\共享\761结果"
chcp 65001 >nul
setlocal
set INBOX=%~1
set RESULTS=%~2
if "%INBOX%"=="" (echo 用法：scheduled_run.cmd 收件文件夹 结果文件夹 & exit /b 2)
if "%RESULTS%"=="" (echo 用法：scheduled_run.cmd 收件文件夹 结果文件夹 & exit /b 2)
for /f %%i in ('powershell -NoProfile -Command "Get-Date -Format yyyyMMdd-HHmmss"') do set STAMP=%%i
if not exist "%RESULTS%" mkdir "%RESULTS%"
shenbao run %PACK% "%INBOX%" -o "%RESULTS%\%STAMP%" --json > "%RESULTS%\%STAMP%.json" 2>> "%RESULTS%\shenbao.log"
set CODE=%ERRORLEVEL%
echo %DATE% %TIME% 退出码=%CODE% 输出=%RESULTS%\%STAMP%>> "%RESULTS%\shenbao.log"
exit /b %CODE%
