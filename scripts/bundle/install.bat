@echo off
rem Offline installer of consolidate for Windows (no network, no admin rights):
rem   install.bat [DESKTOP_FOLDER] [C:\path\to\python.exe]
rem Without a python.exe it uses the py launcher's Python 3.11. The work is done by
rem install.py (the same for Linux); this file only finds Python.
rem Encoding: scripts/offline.py writes this file in GBK (code page 936) with CRLF line
rem ends, because cmd.exe reads a .bat in the console code page, 936 on a Chinese Windows.
rem Chinese appears only in echo lines: on another code page only the messages garble.
setlocal
set "HERE=%~dp0"
set "DESKTOP=%~1"
if "%DESKTOP%"=="" set "DESKTOP=%USERPROFILE%\Desktop"
if not "%~2"=="" goto given
where py >nul 2>nul
if errorlevel 1 goto nopython
py -3.11 "%HERE%install.py" "%DESKTOP%"
goto done
:given
"%~2" "%HERE%install.py" "%DESKTOP%"
:done
if errorlevel 1 goto failed
echo.
echo 安装完成。桌面上的“汇总.bat”“自查网页.bat”“consolidate.bat”即可使用。
pause
exit /b 0
:nopython
echo 未找到 Python 启动器 py。请先安装 64 位 Python 3.11（见 安装说明.txt），
echo 或指定 python.exe：install.bat 桌面文件夹 C:\路径\python.exe
pause
exit /b 2
:failed
echo 安装未完成，请看上面的提示（详见 安装说明.txt）。
pause
exit /b 2
